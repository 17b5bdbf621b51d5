"""Order saga `v2-unpatched`: an incompatible code change, deployed without a patch.

v2 sends the customer an order confirmation before charging. The new activity is simply
inserted, not guarded by `workflow.patched(...)`, so an execution that started on v1 and
replays on v2 finds a notification where its history has the charge: nondeterminism.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from harness.workloads.order_saga.model import Order, OrderResult
    from harness.workloads.order_saga.workflows import WORKFLOW_NAME, OrderSagaV1
    from harness.workloads.settings import activity_options


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaV2Unpatched(OrderSagaV1):
    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        try:
            await self.step("reserve_inventory", order, compensation="release_inventory")
            await workflow.execute_activity("notify_order", order, **activity_options())
            await self.step("charge_payment", order, compensation="refund_payment")
            if order.pack_items:
                await self.step("pack_order", order)
            await self.step("ship_order", order)
        except ActivityError as err:
            await self.compensate(order)
            raise ApplicationError(f"order {order.order_id} failed at {err.activity_type}",
                                   type="OrderFailed", non_retryable=True) from err
        return OrderResult(order.order_id, "completed", self.steps)
