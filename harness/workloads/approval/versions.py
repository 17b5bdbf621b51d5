"""Approval v2 versions: an inserted activity (see harness.workloads.versioning)."""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.approval.model import ApprovalRequest, ApprovalResult
    from harness.workloads.approval.workflows import WORKFLOW_NAME, ApprovalV1
    from harness.workloads.settings import activity_options
    from harness.workloads.versioning import versions_of


async def acknowledge(self: ApprovalV1, request: ApprovalRequest) -> None:
    """acknowledge the request to the requester (a notification) before asking."""
    await workflow.execute_activity("notify", args=[request, "received"], **activity_options())


VERSIONS = versions_of(ApprovalV1, name=WORKFLOW_NAME, hook="before_request",
                       change=acknowledge, patch_id="acknowledge-request",
                       arg_type=ApprovalRequest, result_type=ApprovalResult)
