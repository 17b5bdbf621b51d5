"""Driver: start one order, decide from the seed whether and where it fails, await it."""

from __future__ import annotations

from harness.workloads.base import DriveContext, await_result, start_workflow
from harness.workloads.order_saga.model import Order, OrderSagaParams
from harness.workloads.order_saga.workflows import WORKFLOW_NAME


def make_order(ctx: DriveContext, index: int) -> tuple[Order, str | None]:
    params = ctx.params
    assert isinstance(params, OrderSagaParams)
    rng = ctx.rng(index)
    fail_at = params.fail_at
    if fail_at is None:
        for step, rate in sorted(params.failure_rates.items()):
            if rng.random() < rate:
                fail_at = step
                break
    order = Order(
        order_id=f"order-{index}",
        sku="SOLDOUT-1" if fail_at == "reserve" else f"sku-{rng.randint(1, 20)}",
        qty=params.qty,
        amount=params.amount,
        card="declined" if fail_at == "charge" else "visa",
        address="undeliverable" if fail_at == "ship" else f"{index} Main St",
        pack_items=params.pack_items,
        pack_item_seconds=params.pack_item_seconds,
    )
    return order, fail_at


async def drive(ctx: DriveContext, index: int) -> None:
    order, fail_at = make_order(ctx, index)
    expect = "FAILED" if fail_at else "COMPLETED"
    handle = await start_workflow(ctx, WORKFLOW_NAME, order, ctx.workflow_id(index),
                                  expect=expect, fail_at=fail_at)
    if handle is not None:
        await await_result(ctx, handle)
