"""Explore on a real stack: one stack for every draw, re-run and shrink candidate.

A fault family the stack cannot do (a server restart against an external cluster) is bad
input: refused before anything starts. The report is written on every exit path, so an
interrupted search still says what it tried.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.catalog import default_catalog
from harness.explore import report
from harness.explore.session import Explorer, ExploreResult, Settings
from harness.explore.space import ExploreSpace, resolve
from harness.explore.trials import stack_trial
from harness.stack.stack import Stack, StackOptions


def preflight(spaces: list[ExploreSpace], stack: Stack) -> None:
    """Every family of every space, as drawn once, asked whether this stack can do it."""
    catalog = default_catalog()
    for space in spaces:
        for option in space.faults:
            spec = catalog.faults[option.type].model_validate(
                resolve(option.fields(), random.Random(0)))
            spec.preflight(stack)  # type: ignore[attr-defined]


async def explore_on_stack(spaces: list[ExploreSpace], options: StackOptions,
                           settings: Settings, out: Path,
                           on_event: Callable[[str, Any], None]) -> ExploreResult:
    stack = Stack(options)
    preflight(spaces, stack)
    explorer = Explorer(spaces, stack_trial(stack, out), settings, out, on_event=on_event)
    try:
        async with stack:
            await explorer.run()
    finally:
        report.write(explorer.result, out)
    return explorer.result
