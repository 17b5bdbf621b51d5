"""Approval activities: ask the approver service, and escalate by notification."""

from __future__ import annotations

from temporalio import activity

from harness.services.client import ServicesClient
from harness.workloads.approval.model import SIGNAL, ApprovalRequest
from harness.workloads.calls import call_step, current_workflow_id


class ApprovalActivities:
    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="request_approval")
    async def request_approval(self, request: ApprovalRequest) -> None:
        await call_step(self.services, "approvals", "request", current_workflow_id(), "request",
                        {"decision": request.decision, "delay": request.callback_delay,
                         "signal": SIGNAL})

    @activity.defn(name="notify")
    async def notify(self, request: ApprovalRequest, outcome: str) -> None:
        await call_step(self.services, "notifications", "send", current_workflow_id(),
                        f"notify/{outcome}",
                        {"to": "requester", "message": f"{request.request_id}: {outcome}"})
