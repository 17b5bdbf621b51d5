"""`harness certify`: run a certification suite and issue a certificate."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import Any

from harness.certify import certify, load_suite
from harness.checks.verdict import exit_code
from harness.cli.console import console
from harness.cli.options import add_stack_options, stack_options, with_scenario_stack
from harness.cli.render import styled, table
from harness.skips import refuse_if_nothing_runs, split_runnable
from harness.stack.stack import Stack


def register(sub: Any) -> None:
    parser = sub.add_parser("certify", help="run a certification suite and issue a certificate")
    parser.add_argument("--suite", type=Path, default=Path("scenarios/certification"),
                        help="a folder of scenarios with an optional _suite.yaml manifest")
    parser.add_argument("--candidate", metavar="SPEC",
                        help="code to replay over every history: workload@version,... or "
                             "module:Class,... (overrides the manifest)")
    parser.add_argument("--no-selftest", action="store_true", help="skip the selftest part")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--out", type=Path, default=Path("reports"))
    add_stack_options(parser)
    parser.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    _, scenarios = load_suite(args.suite)  # bad input fails before anything starts
    out = args.out / f"certificate-{time.strftime('%Y%m%dT%H%M%S')}"
    stack = Stack(with_scenario_stack(stack_options(args, out / ".stack"), scenarios))
    runnable, skipped = split_runnable(scenarios, stack)
    refuse_if_nothing_runs(runnable, skipped)
    for skip in skipped:  # plain prints: one line each, never wrapped, for CI logs and grep
        print(f"harness: {skip.line()}", file=sys.stderr, flush=True)
    candidate = args.candidate.split(",") if args.candidate else None

    async def go() -> Any:
        async with stack:
            return await certify(stack, args.suite, out, args.seed, candidate,
                                 False if args.no_selftest else None)

    status, parts, path = asyncio.run(go())
    shown = table(f"certificate · {path}", "part", "verdict", "summary")
    for part in parts:
        shown.add_row(part.name, styled(part.status), part.summary)
    console.print(shown)
    console.print(f"{styled(status, str(status).upper())}: certificate written to {path}")
    return exit_code(status)
