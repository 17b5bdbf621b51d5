"""Order saga activities: each step and each compensation is one service call."""

from __future__ import annotations

import asyncio

from temporalio import activity

from harness.services.client import ServicesClient
from harness.workloads.calls import call_step, current_workflow_id
from harness.workloads.order_saga.model import Order, PackProgress


class OrderActivities:
    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="reserve_inventory")
    async def reserve(self, order: Order) -> str:
        res = await call_step(self.services, "inventory", "reserve", current_workflow_id(),
                              "reserve", {"order_id": order.order_id, "sku": order.sku,
                                          "qty": order.qty})
        return str(res.get("reservation_id", ""))

    @activity.defn(name="release_inventory")
    async def release(self, order: Order) -> None:
        wid = current_workflow_id()
        await call_step(self.services, "inventory", "release", wid, "release",
                        {"order_id": order.order_id, "sku": order.sku, "qty": order.qty,
                         "for_ref": f"{wid}/reserve"})

    @activity.defn(name="charge_payment")
    async def charge(self, order: Order) -> str:
        res = await call_step(self.services, "payments", "charge", current_workflow_id(),
                              "charge", {"order_id": order.order_id, "amount": order.amount,
                                         "card": order.card})
        return str(res.get("charge_id", ""))

    @activity.defn(name="refund_payment")
    async def refund(self, order: Order) -> None:
        await call_step(self.services, "payments", "refund", current_workflow_id(),
                        "refund", {"order_id": order.order_id, "amount": order.amount,
                                   "for_ref": f"{current_workflow_id()}/charge"})

    @activity.defn(name="pack_order")
    async def pack(self, order: Order) -> int:
        """A long activity: packs item by item and resumes from its heartbeat checkpoint."""
        details = activity.info().heartbeat_details
        progress = PackProgress(**details[0]) if details else PackProgress()
        for item in range(progress.packed, order.pack_items):
            await call_step(self.services, "shipping", "pack", current_workflow_id(),
                            f"pack/{item}", {"order_id": order.order_id, "item": item})
            await asyncio.sleep(order.pack_item_seconds)
            progress.packed = item + 1
            # The worker throttles what reaches the server (max_heartbeat_throttle_interval).
            activity.heartbeat({"packed": progress.packed})
        return progress.packed

    @activity.defn(name="ship_order")
    async def ship(self, order: Order) -> str:
        res = await call_step(self.services, "shipping", "ship", current_workflow_id(),
                              "ship", {"order_id": order.order_id, "address": order.address})
        return str(res.get("tracking", ""))
