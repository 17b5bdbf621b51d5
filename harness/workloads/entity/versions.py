"""Account entity v2 versions: an added timer (see harness.workloads.versioning)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.entity.model import AccountResult, AccountState, Operation
    from harness.workloads.entity.workflows import WORKFLOW_NAME, AccountEntityV1
    from harness.workloads.versioning import versions_of


async def audit_delay(self: AccountEntityV1, op: Operation) -> None:
    """an audit delay (a durable timer) before each balance change."""
    await workflow.sleep(timedelta(milliseconds=20))


VERSIONS = versions_of(AccountEntityV1, name=WORKFLOW_NAME, hook="before_apply",
                       change=audit_delay, patch_id="audit-delay", arg_type=AccountState,
                       result_type=AccountResult)
