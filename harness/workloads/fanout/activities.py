"""Fan-out activity: one work item, recorded in the ledger unless the run is a pure scale run."""

from __future__ import annotations

from temporalio import activity

from harness.services.client import ServicesClient
from harness.workloads.calls import call_step, current_workflow_id
from harness.workloads.fanout.model import item_value


class FanOutActivities:
    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="process_item")
    async def process_item(self, parent_id: str, child: int, item: int, use_ledger: bool) -> int:
        value = item_value(child, item)
        if use_ledger:
            res = await call_step(self.services, "fanout", "item", current_workflow_id(),
                                  f"item/{item}", {"parent_id": parent_id, "child": child,
                                                   "item": item, "value": value})
            value = int(res.get("result", value))
        return value
