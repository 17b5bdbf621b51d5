"""`harness init MODULE:WORKFLOW`: a starter scenario for a user's own workflow."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.cli.console import console
from harness.starter import describe, write_starter


def register(sub: Any) -> None:
    parser = sub.add_parser("init", help="write a starter scenario for your own workflow")
    parser.add_argument("workflow", metavar="MODULE:WORKFLOW",
                        help="your workflow class by import path, e.g. shop.trips:BookTrip")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="the scenario file to write (default: scenarios/<name>.yaml)")
    parser.add_argument("--module", action="store_true",
                        help="also write <module>_chaos.py beside yours: input, expected "
                             "status and effect probe stubs the scenario names")
    parser.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    for line in describe(write_starter(args.workflow, args.out, args.module)):
        console.print(line, markup=False, highlight=False)
    return 0
