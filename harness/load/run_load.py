"""`harness load` end to end: the stack up, the scenario run with the Locust driver, down.

The scenario's faults run during the load like in any run: run_scenario builds the
scenario's nemesis and runs it beside this driver (and heals every fault).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.cli.render import live_progress
from harness.load.driver import LocustDriver
from harness.load.options import LoadOptions
from harness.runner import RunOutcome, run_scenario
from harness.scenario import Scenario
from harness.stack.stack import Stack, StackOptions


async def run_load(scenario: Scenario, stack_options: StackOptions, out: Path,
                   seed: int | None, options: LoadOptions,
                   ) -> tuple[RunOutcome, dict[str, Any]]:
    driver = LocustDriver(options)
    async with Stack(stack_options) as stack:
        with live_progress(scenario.name) as progress:
            outcome = await run_scenario(scenario, stack, out, seed=seed, progress=progress,
                                         driver=driver, worker_metrics=options.metrics)
    return outcome, driver.summary
