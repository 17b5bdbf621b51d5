"""The approval workflow, v1 (the reference).

The signal handler is registered before the request goes out, so a callback that
arrives before the workflow starts waiting is kept, not lost. The escalation is a
durable timer: it survives worker and server restarts.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.approval.model import (
        SIGNAL,
        ApprovalCallback,
        ApprovalRequest,
        ApprovalResult,
    )
    from harness.workloads.settings import activity_options

WORKFLOW_NAME = "Approval"


@workflow.defn(name=WORKFLOW_NAME)
class ApprovalV1:
    def __init__(self) -> None:
        self.callbacks: list[ApprovalCallback] = []

    @workflow.run
    async def run(self, request: ApprovalRequest) -> ApprovalResult:
        asked_at = workflow.now()
        await self.before_request(request)
        await workflow.execute_activity("request_approval", request, **activity_options())
        try:
            await workflow.wait_condition(
                lambda: bool(self.callbacks), timeout=self.escalate_after(request)
            )
        except TimeoutError:
            outcome = "escalated"
        else:
            outcome = "approved" if self.callbacks[0].approved else "rejected"
        waited = (workflow.now() - asked_at).total_seconds()
        await workflow.execute_activity("notify", args=[request, outcome], **activity_options())
        return ApprovalResult(request.request_id, outcome, waited, len(self.callbacks))

    def escalate_after(self, request: ApprovalRequest) -> timedelta:
        """How long to wait for the approver before escalating: the request's timeout."""
        return timedelta(seconds=request.timeout)

    async def before_request(self, request: ApprovalRequest) -> None:
        """A hook for later versions (v2 acknowledges the request first); v1 does nothing."""

    @workflow.signal(name=SIGNAL)
    def decide(self, callback: ApprovalCallback) -> None:
        self.callbacks.append(callback)
