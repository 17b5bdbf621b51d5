"""Workflow code versions: detecting nondeterminism live and replaying histories offline."""
