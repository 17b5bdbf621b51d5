"""Driver: start one approval whose approver answers (or not) as the seed decides."""

from __future__ import annotations

from harness.workloads.approval.model import ApprovalParams, ApprovalRequest
from harness.workloads.approval.workflows import WORKFLOW_NAME
from harness.workloads.base import DriveContext, await_result, start_workflow


def choose_decision(params: ApprovalParams, draw: float) -> str:
    total = params.approve + params.reject + params.never
    if total <= 0:
        return "approve"
    point = draw * total
    if point < params.approve:
        return "approve"
    if point < params.approve + params.reject:
        return "reject"
    return "never"


async def drive(ctx: DriveContext, index: int) -> None:
    params = ctx.params
    assert isinstance(params, ApprovalParams)
    decision = choose_decision(params, ctx.rng(index).random())
    request = ApprovalRequest(f"approval-{index}", decision, params.callback_delay,
                              params.timeout)
    handle = await start_workflow(ctx, WORKFLOW_NAME, request, ctx.workflow_id(index),
                                  expect="COMPLETED", decision=decision,
                                  callback_delay=params.callback_delay, timeout=params.timeout)
    if handle is not None:
        await await_result(ctx, handle)
