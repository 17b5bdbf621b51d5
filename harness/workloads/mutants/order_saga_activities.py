"""Order saga activity mutants (no idempotency key, no checkpoint, a retry storm) and v2's new
activity."""

from __future__ import annotations

import asyncio

from temporalio import activity

from harness.services.client import ServiceCallError, ServicesClient
from harness.workloads.calls import call_step, current_workflow_id
from harness.workloads.order_saga.activities import OrderActivities
from harness.workloads.order_saga.model import Order


class NoIdempotencyKeyActivities(OrderActivities):
    """Bug: the charge goes out without its idempotency key, so the payments service applies
    every delivery: a retried or duplicated charge_payment charges the card again."""

    @activity.defn(name="charge_payment")
    async def charge(self, order: Order) -> str:
        res = await call_step(self.services, "payments", "charge", current_workflow_id(),
                              "charge", {"order_id": order.order_id, "amount": order.amount,
                                         "card": order.card}, idempotent=False)
        return str(res.get("charge_id", ""))


class NoCheckpointActivities(OrderActivities):
    """Bug: pack_order heartbeats its progress but never reads it back, so a retry after a
    crash packs again from item 0."""

    @activity.defn(name="pack_order")
    async def pack(self, order: Order) -> int:
        packed = 0
        for item in range(order.pack_items):
            await call_step(self.services, "shipping", "pack", current_workflow_id(),
                            f"pack/{item}", {"order_id": order.order_id, "item": item})
            await asyncio.sleep(order.pack_item_seconds)
            packed = item + 1
            activity.heartbeat({"packed": packed})
        return packed


class RetryStormActivities(OrderActivities):
    """Bug: charge_payment "never gives up" with its own loop: on any error it calls again
    after 10 ms, with no backoff and no limit. Against a degraded payments service every
    order hammers it at ~100 requests/s, turning a bad minute into an outage."""

    @activity.defn(name="charge_payment")
    async def charge(self, order: Order) -> str:
        while True:
            try:
                res = await call_step(self.services, "payments", "charge",
                                      current_workflow_id(), "charge",
                                      {"order_id": order.order_id, "amount": order.amount,
                                       "card": order.card})
                return str(res.get("charge_id", ""))
            except ServiceCallError:
                activity.heartbeat()
                await asyncio.sleep(0.01)


class NotifyActivities:
    """v2-unpatched's new step: an order confirmation sent before the charge."""

    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="notify_order")
    async def notify_order(self, order: Order) -> None:
        await call_step(self.services, "notifications", "send", current_workflow_id(),
                        "notify/confirmation",
                        {"to": order.order_id, "message": f"order {order.order_id} received"})


class OverchargeActivities(OrderActivities):
    """Bug: the charge adds a fee the order never priced in: the card is charged more than
    the order costs."""

    @activity.defn(name="charge_payment")
    async def charge(self, order: Order) -> str:
        res = await call_step(self.services, "payments", "charge", current_workflow_id(),
                              "charge", {"order_id": order.order_id,
                                         "amount": round(order.amount * 1.1, 2),
                                         "card": order.card})
        return str(res.get("charge_id", ""))


class RechargeOnRetryActivities(OrderActivities):
    """Bug: a retried pack "re-validates" the order by charging it again first, so a crash
    mid-pack repeats a step that had finished before it."""

    @activity.defn(name="pack_order")
    async def pack(self, order: Order) -> int:
        if activity.info().attempt > 1:
            await call_step(self.services, "payments", "charge", current_workflow_id(),
                            "charge", {"order_id": order.order_id, "amount": order.amount,
                                       "card": order.card})
        return await super().pack(order)
