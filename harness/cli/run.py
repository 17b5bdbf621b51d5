"""`harness run SCENARIO...`: run scenario files or folders on one stack; exit code from
the merged verdicts."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from harness.checks.verdict import exit_code, merge_verdicts
from harness.cli.options import add_stack_options, stack_options, with_scenario_stack
from harness.cli.render import live_progress, print_summary, print_verdicts
from harness.errors import EXIT_PASS
from harness.runner import RunOutcome, run_scenario
from harness.scenario import Scenario, load_scenarios, override_versions
from harness.skips import refuse_if_nothing_runs, split_runnable, write_skipped
from harness.stack.stack import Stack, StackOptions


def register(sub: Any) -> None:
    run = sub.add_parser("run", help="run scenarios and judge them")
    run.add_argument("scenarios", nargs="+", metavar="SCENARIO",
                     help="a scenario file, or a folder of them")
    run.add_argument("--seed", type=int, help="seed for every random choice (overrides the file)")
    run.add_argument("--out", type=Path, default=Path("reports"),
                     help="where run folders go (default: reports/)")
    run.add_argument("--version", action="append", metavar="WORKLOAD=VERSION",
                     help="run this version of a workload instead of the scenario's "
                          "(repeatable), e.g. BookTrip=no-key")
    add_stack_options(run)
    run.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.scenarios)  # bad input fails here, before anything starts
    for scenario in scenarios:
        override_versions(scenario, args.version or [])
    out: Path = args.out
    state_dir = out / ".stack" / time.strftime("%Y%m%dT%H%M%S")
    options = with_scenario_stack(stack_options(args, state_dir), scenarios)
    outcomes = asyncio.run(run_all(scenarios, options, out, args.seed))
    verdicts = [v for o in outcomes for v in o.verdicts]
    status = merge_verdicts(verdicts)
    print_summary(status, len(outcomes), verdicts)
    return exit_code(status) if outcomes else EXIT_PASS


async def run_all(scenarios: list[Scenario], options: StackOptions, out: Path,
                  seed: int | None) -> list[RunOutcome]:
    outcomes = []
    stack = Stack(options)
    # Scenarios needing a fault this stack cannot do are skipped, each said and recorded;
    # any other bad input in them is still refused here, before anything starts.
    scenarios, skipped = split_runnable(scenarios, stack)
    refuse_if_nothing_runs(scenarios, skipped)
    for skip in skipped:  # plain prints: one line each, never wrapped, for CI logs and grep
        run = write_skipped(out, skip)
        print(f"harness: {skip.line()} ({run.path})", file=sys.stderr, flush=True)
    async with stack:
        for scenario in scenarios:
            with live_progress(scenario.name) as progress:
                outcome = await run_scenario(scenario, stack, out, seed=seed, progress=progress)
            print_verdicts(outcome.run, outcome.verdicts)
            outcomes.append(outcome)
    if skipped:
        print(f"harness: {len(skipped)} scenario(s) skipped: this stack cannot run them "
              "(each named above)", file=sys.stderr, flush=True)
    return outcomes
