"""The order saga workflow, v1 (the reference).

Each compensation is registered *before* its step runs: if the step's outcome is
unknown (a timeout, a crash after the side effect) the compensation still runs, and
the services treat a compensation of nothing as a no-op.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from harness.workloads.order_saga.model import Order, OrderResult
    from harness.workloads.settings import activity_options

WORKFLOW_NAME = "OrderSaga"


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaV1:
    def __init__(self) -> None:
        self.compensations: list[str] = []
        self.steps: list[str] = []

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        try:
            await self.step("reserve_inventory", order, compensation="release_inventory")
            await self.before_charge(order)
            await self.step("charge_payment", order, compensation="refund_payment")
            if order.pack_items:
                await self.step("pack_order", order)
            await self.step("ship_order", order)
        except ActivityError as err:
            await self.compensate(order)
            raise ApplicationError(
                f"order {order.order_id} failed at {err.activity_type}; compensated "
                f"{list(reversed(self.compensations))}",
                type="OrderFailed",
                non_retryable=True,
            ) from err
        return OrderResult(order.order_id, "completed", self.steps)

    async def step(self, activity: str, order: Order, compensation: str | None = None) -> None:
        if compensation:
            self.compensations.append(compensation)
        options = activity_options()
        if activity == "pack_order":
            budget = 30 + 3 * order.pack_items * order.pack_item_seconds
            options["start_to_close_timeout"] = timedelta(seconds=budget)
        await workflow.execute_activity(activity, order, **options)
        self.steps.append(activity)

    async def before_charge(self, order: Order) -> None:
        """A hook for later versions (v2 confirms the order first); v1 does nothing here."""

    async def compensate(self, order: Order) -> None:
        """Run compensations LIFO; each retries until it succeeds (they are idempotent)."""
        for compensation in reversed(self.compensations):
            await workflow.execute_activity(compensation, order, **activity_options())
