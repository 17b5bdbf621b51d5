"""Driver: open one account, send seeded deposits (signals) and withdrawals (updates), close it."""

from __future__ import annotations

from harness.workloads.base import DriveContext, await_result, journaled, start_workflow
from harness.workloads.entity.model import AccountState, EntityParams, Operation
from harness.workloads.entity.workflows import WORKFLOW_NAME


async def drive(ctx: DriveContext, index: int) -> None:
    params = ctx.params
    assert isinstance(params, EntityParams)
    rng = ctx.rng(index)
    account_id = f"acct-{index}"
    wid = ctx.workflow_id(index)
    state = AccountState(account_id, continue_as_new_after=params.continue_as_new_after)
    handle = await start_workflow(ctx, WORKFLOW_NAME, state, wid, expect="COMPLETED")
    if handle is None:
        return
    for i in range(params.operations):
        request_id = f"{account_id}-op{i}"
        amount = rng.randint(1, params.max_deposit)
        if rng.random() < params.update_ratio:
            op = Operation(request_id, amount)
            await journaled(ctx, "update", wid,
                            lambda op=op: handle.execute_update("withdraw", op),
                            request_id=request_id, amount=-amount)
        else:
            op = Operation(request_id, amount)
            await journaled(ctx, "signal", wid, lambda op=op: handle.signal("deposit", op),
                            request_id=request_id, amount=amount)
    await journaled(ctx, "query", wid, lambda: handle.query("balance"))
    await journaled(ctx, "signal", wid, lambda: handle.signal("close"), request_id="close")
    await await_result(ctx, handle)
