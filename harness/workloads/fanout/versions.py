"""Fan-out v2 versions: an added timer in the parent (see harness.workloads.versioning)."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.fanout.model import FanOutJob, FanOutResult
    from harness.workloads.fanout.workflows import WORKFLOW_NAME, FanOutChildV1, FanOutV1
    from harness.workloads.versioning import versions_of


async def rate_limit(self: FanOutV1, job: FanOutJob) -> None:
    """wait for a rate-limit window (a durable timer) before starting the children."""
    await workflow.sleep(timedelta(milliseconds=20))


VERSIONS = versions_of(FanOutV1, name=WORKFLOW_NAME, hook="before_children", change=rate_limit,
                       patch_id="rate-limit-window", arg_type=FanOutJob,
                       result_type=FanOutResult, companions=(FanOutChildV1,))
