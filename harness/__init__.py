"""A chaos and resilience harness for Temporal workflows."""

__version__ = "0.1.0"
