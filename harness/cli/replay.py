"""`harness replay`: replay stored or live histories against candidate workflow code (the
pre-release gate); exit code from the merged replay outcomes."""

from __future__ import annotations

import argparse
import asyncio
import logging
from pathlib import Path
from typing import Any

from rich.markup import escape

from harness.checks.verdict import Status, exit_code
from harness.cli.console import console
from harness.cli.options import add_stack_options
from harness.cli.render import styled, table
from harness.errors import UsageError
from harness.stack.connection import TemporalConnection
from harness.versions.replay_gate import (
    gate_status,
    history_files,
    load_workflow_classes,
    replay_files,
    replay_live,
    replay_status,
)


def register(sub: Any) -> None:
    replay = sub.add_parser("replay", help="replay histories against candidate workflow code")
    source = replay.add_mutually_exclusive_group(required=True)
    source.add_argument("--histories", type=Path, metavar="DIR",
                        help="a folder of history JSON files (e.g. a run folder's histories/)")
    source.add_argument("--query", metavar="QUERY",
                        help="a visibility query selecting live executions to replay")
    replay.add_argument("--workflows", required=True, metavar="SPEC",
                        help="module:Class[,module:Class...] or workload@version "
                             "(e.g. order_saga@v2-patched)")
    replay.add_argument("--timeout", type=float, default=10.0,
                        help="seconds per replay before it counts as hung (default 10)")
    add_stack_options(replay)
    replay.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    # The SDK logs every failed replay activation with a traceback; the table says it better.
    logging.getLogger("temporalio").setLevel(logging.CRITICAL)
    workflows = load_workflow_classes(args.workflows)
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    if args.histories is not None:
        results = replay_files(history_files(args.histories), workflows, args.timeout)
    else:
        if not args.temporal_address:
            raise UsageError("--query replays live executions: give --temporal-address")
        conn = TemporalConnection(args.temporal_address, args.namespace, args.tls_cert,
                                  args.tls_key, args.tls_ca, args.api_key)

        async def live() -> list[Any]:
            return await replay_live(await conn.connect(), args.query, workflows, args.timeout)

        results = asyncio.run(live())
    if not results:
        raise UsageError(f"no history of the types in --workflows {args.workflows!r} found")
    shown = table(f"replay of {len(results)} histories against {args.workflows}",
                  "workflow", "run", "result", "message")
    bad = [r for r in results if r.outcome.status != "ok"]
    for r in bad or results[:20]:
        # The whole message: the SDK's nondeterminism message names the command that
        # differed, which is what the reader needs.
        shown.add_row(r.workflow_id, r.run_id,
                      styled(replay_status(r.outcome), r.outcome.status),
                      escape(r.outcome.message))
    console.print(shown)
    status = gate_status(results)
    label = {Status.PASS: "PASS", Status.FAIL: "FAIL", Status.UNKNOWN: "UNKNOWN"}[status]
    console.print(f"{styled(status, label)}: {len(results) - len(bad)} of {len(results)} "
                  "replayed cleanly")
    return exit_code(status)
