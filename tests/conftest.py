"""Shared test configuration."""

from __future__ import annotations

import os

# Tests must never import locust into this process without this (gevent patching:
# docs/temporal-facts.md).
os.environ.setdefault("LOCUST_SKIP_MONKEY_PATCH", "1")
