"""Approval mutants. `mutant-lost-early-callback`: a callback that comes too early is dropped.

The workflow asks the approver, then does something else first (here: a short "settle"
sleep; in real code, loading a policy or writing an audit record), and only then starts
listening. Its signal handler ignores callbacks received while it is not listening, so an
approver that answers at once is lost and the approval escalates after the timeout.
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
    from harness.workloads.approval.workflows import WORKFLOW_NAME, ApprovalV1
    from harness.workloads.settings import activity_options

SETTLE = timedelta(seconds=1)


@workflow.defn(name=WORKFLOW_NAME)
class ApprovalLostEarlyCallback:
    def __init__(self) -> None:
        self.callbacks: list[ApprovalCallback] = []
        self.waiting = False

    @workflow.run
    async def run(self, request: ApprovalRequest) -> ApprovalResult:
        asked_at = workflow.now()
        await workflow.execute_activity("request_approval", request, **activity_options())
        await workflow.sleep(SETTLE)
        self.waiting = True
        try:
            await workflow.wait_condition(
                lambda: bool(self.callbacks), timeout=timedelta(seconds=request.timeout)
            )
        except TimeoutError:
            outcome = "escalated"
        else:
            outcome = "approved" if self.callbacks[0].approved else "rejected"
        waited = (workflow.now() - asked_at).total_seconds()
        await workflow.execute_activity("notify", args=[request, outcome], **activity_options())
        return ApprovalResult(request.request_id, outcome, waited, len(self.callbacks))

    @workflow.signal(name=SIGNAL)
    def decide(self, callback: ApprovalCallback) -> None:
        if self.waiting:
            self.callbacks.append(callback)


@workflow.defn(name=WORKFLOW_NAME)
class ApprovalDoubleNotify(ApprovalV1):
    """Bug: the decision is announced by a "notify" step and again by a reminder step that
    was meant only for escalations: the requester is notified twice."""

    @workflow.run
    async def run(self, request: ApprovalRequest) -> ApprovalResult:
        result = await super().run(request)
        await workflow.execute_activity("notify", args=[request, f"{result.outcome}-reminder"],
                                        **activity_options())
        return result


@workflow.defn(name=WORKFLOW_NAME)
class ApprovalEarlyEscalation(ApprovalV1):
    """Bug: the escalation timer waits a third of the timeout (a unit mix-up "fixed" by
    dividing), escalating approvals whose approver still had time to answer."""

    @workflow.run
    async def run(self, request: ApprovalRequest) -> ApprovalResult:
        return await super().run(request)

    def escalate_after(self, request: ApprovalRequest) -> timedelta:
        return timedelta(seconds=request.timeout / 3)
