"""Driver: start one fan-out parent and await its aggregate."""

from __future__ import annotations

from harness.workloads.base import DriveContext, await_result, start_workflow
from harness.workloads.fanout.model import FanOutJob, FanOutParams
from harness.workloads.fanout.workflows import WORKFLOW_NAME


async def drive(ctx: DriveContext, index: int) -> None:
    params = ctx.params
    assert isinstance(params, FanOutParams)
    job = FanOutJob(params.children, params.activities, params.use_ledger,
                    params.fast_recovery)
    handle = await start_workflow(ctx, WORKFLOW_NAME, job, ctx.workflow_id(index),
                                  expect="COMPLETED", children=params.children,
                                  activities=params.activities, use_ledger=params.use_ledger)
    if handle is not None:
        await await_result(ctx, handle)
