"""Order saga mutants: a lost compensation, one registered too late, SDK-default timeouts.

Workflow code only; the activity mutants live in order_saga_activities.py.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from harness.workloads.order_saga.model import Order, OrderResult
    from harness.workloads.order_saga.workflows import WORKFLOW_NAME, OrderSagaV1
    from harness.workloads.settings import activity_options


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaSkipCompensation(OrderSagaV1):
    """Bug: the refund is never registered ("payments void themselves"), so a failure after
    the charge leaves the customer charged for an order that never shipped."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        return await super().run(order)

    async def step(self, activity: str, order: Order, compensation: str | None = None) -> None:
        if activity == "charge_payment":
            compensation = None
        await super().step(activity, order, compensation)


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaCompensationAfterStep(OrderSagaV1):
    """Bug: each compensation is registered only after its step returned, and charges are
    not retried ("never charge twice"). A charge that took effect but whose completion was
    lost fails the step, and its refund was never registered: the money is kept."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        return await super().run(order)

    async def step(self, activity: str, order: Order, compensation: str | None = None) -> None:
        options = activity_options()
        if activity == "pack_order":
            budget = 30 + 3 * order.pack_items * order.pack_item_seconds
            options["start_to_close_timeout"] = timedelta(seconds=budget)
        if activity == "charge_payment":
            options["retry_policy"] = RetryPolicy(maximum_attempts=1)
        await workflow.execute_activity(activity, order, **options)
        self.steps.append(activity)
        if compensation:
            self.compensations.append(compensation)


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaNoHeartbeatTimeout(OrderSagaV1):
    """Bug: activities run with SDK-style timeouts: no heartbeat timeout and a generous
    start-to-close "just in case". A worker crash mid-step then leaves the step stranded
    until that timeout expires: recovery takes tens of seconds instead of a few."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        return await super().run(order)

    async def step(self, activity: str, order: Order, compensation: str | None = None) -> None:
        if compensation:
            self.compensations.append(compensation)
        options = activity_options(heartbeat_timeout=None,
                                   start_to_close_timeout=timedelta(seconds=20))
        await workflow.execute_activity(activity, order, **options)
        self.steps.append(activity)


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaCompensateFifo(OrderSagaV1):
    """Bug: compensations run in the order they were registered, not in reverse: the stock
    is released while the payment is still held, so the refund comes last."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        return await super().run(order)

    async def compensate(self, order: Order) -> None:
        for compensation in self.compensations:
            await workflow.execute_activity(compensation, order, **activity_options())


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaCompensateOnSuccess(OrderSagaV1):
    """Bug: a cleanup block runs the compensations after every order, completed or not
    ("release what we reserved"), so a delivered order is refunded and its stock released."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        result = await super().run(order)
        await self.compensate(order)
        return result


@workflow.defn(name=WORKFLOW_NAME)
class OrderSagaCompensateEverything(OrderSagaV1):
    """Bug: every compensation is registered up front, so an order refused at the first step
    still sends a refund for a charge that was never attempted (the payments service answers
    `noop`, which hides it until a real payment provider issues a credit)."""

    @workflow.run
    async def run(self, order: Order) -> OrderResult:
        self.compensations = ["release_inventory", "refund_payment"]
        return await super().run(order)

    async def step(self, activity: str, order: Order, compensation: str | None = None) -> None:
        await super().step(activity, order, None)
