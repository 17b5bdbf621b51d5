"""Fan-out mutant `mutant-child-new-id`: each child is started under a fresh random id.

Someone hit "workflow already started" when re-running a parent, and "fixed" it by adding
a random suffix to child ids. Now the id no longer says which child it is, so nothing
stops a second copy: a reset or re-run parent starts every child again under new ids, and
no one can tell from the outside which execution is child 3.
"""

from __future__ import annotations

import asyncio

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from harness.workloads.fanout.model import ChildJob, ChildResult, FanOutJob, FanOutResult
    from harness.workloads.fanout.workflows import CHILD_NAME, WORKFLOW_NAME, child_id
    from harness.workloads.settings import WORKFLOW_TASK_TIMEOUT


@workflow.defn(name=WORKFLOW_NAME)
class FanOutChildNewId:
    @workflow.run
    async def run(self, job: FanOutJob) -> FanOutResult:
        parent_id = workflow.info().workflow_id
        results = await asyncio.gather(*(
            workflow.execute_child_workflow(
                CHILD_NAME, ChildJob(parent_id, c, job.activities, job.use_ledger),
                id=f"{child_id(parent_id, c)}-{workflow.uuid4().hex[:8]}",
                result_type=ChildResult, task_timeout=WORKFLOW_TASK_TIMEOUT,
                search_attributes=workflow.info().typed_search_attributes,
            )
            for c in range(job.children)
        ))
        return FanOutResult(len(results), sum(r.items for r in results),
                            sum(r.total for r in results))
