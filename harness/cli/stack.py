"""`harness stack up`: bring the embedded stack up, print its addresses, Ctrl-C tears down."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path
from typing import Any

from harness.cli.console import console
from harness.cli.options import add_stack_options, stack_options
from harness.cli.render import table
from harness.errors import EXIT_PASS
from harness.stack.stack import Stack


def register(sub: Any) -> None:
    stack = sub.add_parser("stack", help="manage the embedded stack")
    stack_sub = stack.add_subparsers(dest="stack_command", required=True, metavar="ACTION")
    up = stack_sub.add_parser("up", help="start the stack, print addresses, Ctrl-C tears down")
    up.add_argument("--state-dir", type=Path, default=Path("reports/.stack"))
    add_stack_options(up)
    up.set_defaults(handler=execute_up)


def execute_up(args: argparse.Namespace) -> int:
    async def up() -> None:
        async with Stack(stack_options(args, args.state_dir)) as stack:
            out = table("stack is up (Ctrl-C tears it down)", "component", "address")
            for name, address in stack.addresses().items():
                out.add_row(name, address)
            console.print(out)
            while True:
                await asyncio.sleep(3600)

    asyncio.run(up())
    return EXIT_PASS
