"""Fan-out parent and child workflows, v1 (the reference).

Child ids are derived from the parent id and the child index, so a retried start of a
child can never create a second copy of it.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.fanout.model import ChildJob, ChildResult, FanOutJob, FanOutResult
    from harness.workloads.settings import WORKFLOW_TASK_TIMEOUT, activity_options

WORKFLOW_NAME = "FanOut"
CHILD_NAME = "FanOutChild"


def child_id(parent_id: str, child: int) -> str:
    return f"{parent_id}/child-{child}"


@workflow.defn(name=CHILD_NAME)
class FanOutChildV1:
    @workflow.run
    async def run(self, job: ChildJob) -> ChildResult:
        options = activity_options() if job.fast_recovery else \
            activity_options(heartbeat_timeout=None)
        values = await asyncio.gather(*(
            workflow.execute_activity(
                "process_item", args=[job.parent_id, job.child, item, job.use_ledger],
                **options,
            )
            for item in range(job.activities)
        ))
        return ChildResult(job.child, len(values), sum(values))


@workflow.defn(name=WORKFLOW_NAME)
class FanOutV1:
    @workflow.run
    async def run(self, job: FanOutJob) -> FanOutResult:
        parent_id = workflow.info().workflow_id
        await self.before_children(job)
        results = await asyncio.gather(*(
            workflow.execute_child_workflow(
                CHILD_NAME, ChildJob(parent_id, c, job.activities, job.use_ledger,
                                     job.fast_recovery),
                id=child_id(parent_id, c), result_type=ChildResult,
                task_timeout=WORKFLOW_TASK_TIMEOUT,
                search_attributes=workflow.info().typed_search_attributes,
            )
            for c in range(job.children)
        ))
        return FanOutResult(len(results), sum(r.items for r in results),
                            sum(r.total for r in results))

    async def before_children(self, job: FanOutJob) -> None:
        """A hook for later versions (v2 waits for a rate-limit window); v1 does nothing."""
