"""Order saga v2 versions: an inserted activity (see harness.workloads.versioning)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.order_saga.model import Order, OrderResult
    from harness.workloads.order_saga.workflows import WORKFLOW_NAME, OrderSagaV1
    from harness.workloads.settings import activity_options
    from harness.workloads.versioning import versions_of


async def confirm(self: OrderSagaV1, order: Order) -> None:
    """confirm the order to the customer (a notification) before charging."""
    await workflow.execute_activity("notify_order", order, **activity_options())


VERSIONS = versions_of(OrderSagaV1, name=WORKFLOW_NAME, hook="before_charge", change=confirm,
                       patch_id="notify-before-charge", arg_type=Order,
                       result_type=OrderResult)
