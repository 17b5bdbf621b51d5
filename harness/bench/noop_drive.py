"""The Locust path's driver for the baseline workflow: the harness's journaled start/await.

Same work as the bare client (one BenchNoop workflow, run-id search attribute set), but
through everything `harness load` uses: DriveContext, journal, outcome, Locust events.
"""

from __future__ import annotations

from harness.bench.noop_workflows import NOOP_WORKFLOW
from harness.workloads.base import DriveContext, await_result, start_workflow


async def drive(ctx: DriveContext, index: int) -> None:
    handle = await start_workflow(ctx, NOOP_WORKFLOW, index, ctx.workflow_id(index),
                                  expect="COMPLETED")
    if handle is not None:
        await await_result(ctx, handle)
