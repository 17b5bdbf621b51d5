"""Integration fixtures: one real stack (Temporal dev server, toxiproxy, services) per session."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import pytest

from harness.runner import RunOutcome, run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack


@pytest.fixture(scope="session")
def stack(harness_stack: Stack) -> Stack:
    """The plugin's session stack: YAML scenario items and these tests share one."""
    return harness_stack


@pytest.fixture
def run_yaml(stack: Stack, tmp_path: Path) -> Callable[..., RunOutcome]:
    """Run a scenario given as YAML text on the shared stack; returns the outcome."""

    def run(text: str, seed: int | None = None) -> RunOutcome:
        scenario = parse_scenario(text, "<test>")
        return asyncio.run(run_scenario(scenario, stack, tmp_path / "reports", seed=seed))

    return run
