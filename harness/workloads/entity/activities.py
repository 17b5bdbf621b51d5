"""Entity activity: every balance change is an entry in the accounts service's ledger."""

from __future__ import annotations

from temporalio import activity

from harness.services.client import ServicesClient
from harness.workloads.calls import call_step, current_workflow_id


class EntityActivities:
    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="apply_entry")
    async def apply_entry(self, account_id: str, request_id: str, amount: int) -> None:
        await call_step(self.services, "accounts", "entry", current_workflow_id(),
                        f"entry/{request_id}",
                        {"account_id": account_id, "amount": amount, "request_id": request_id})
