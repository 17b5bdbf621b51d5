"""`harness selftest`: prove each check fails on its mutant and passes on the reference."""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from harness.checks.registry import CHECKS
from harness.cli.console import console
from harness.cli.options import add_stack_options, stack_options
from harness.cli.render import styled, table
from harness.errors import EXIT_FAIL, EXIT_PASS, UsageError
from harness.selftest import selftest, summary, table_rows
from harness.stack.stack import Stack


def register(sub: Any) -> None:
    parser = sub.add_parser("selftest", help="prove each check fails on its mutant")
    parser.add_argument("--check", action="append", metavar="NAME",
                        help="only the cases of this check (repeatable)")
    parser.add_argument("--seed", type=int, default=1)
    # Internal runs (mutants are meant to fail) stay out of the user's reports and trend.
    parser.add_argument("--out", type=Path, default=Path("reports/.internal"),
                        help="where the selftest folder goes (default reports/.internal)")
    add_stack_options(parser)
    parser.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    for name in args.check or []:
        if name not in CHECKS:
            raise UsageError(f"--check: unknown check {name!r} (known: {', '.join(CHECKS)})")
    out = args.out / f"selftest-{time.strftime('%Y%m%dT%H%M%S')}"
    options = stack_options(args, out / ".stack")

    async def go() -> list[Any]:
        async with Stack(options) as stack:
            return await selftest(stack, out, args.seed, args.check)

    rows = asyncio.run(go())
    shown = table(f"selftest · seed {args.seed} · {out}", "check", "failure branch", "mutant",
                  "fault fired", "reference", "mutant verdict", "planted reason found", "row")
    for row, cells in zip(rows, table_rows(rows), strict=True):
        check, branch, mutant, fault, ref, mut, planted = cells
        shown.add_row(check, branch, mutant, fault, styled(row.reference, ref),
                      styled(row.mutant, mut), planted,
                      "[green]proven[/]" if row.ok else "[bold red]NOT PROVEN[/]")
    console.print(shown)
    out.mkdir(parents=True, exist_ok=True)
    (out / "selftest.json").write_text(json.dumps([row.to_json() for row in rows], indent=2))
    good = all(row.ok for row in rows) and bool(rows)
    counts = summary(rows)
    console.print(("[green]PASS[/]" if good else "[bold red]FAIL[/]") +
                  f": {counts['proven']} of {counts['rows']} failure branches fail on their "
                  "mutant for the planted reason, with the fault fired, and pass on the "
                  "reference")
    return EXIT_PASS if good else EXIT_FAIL
