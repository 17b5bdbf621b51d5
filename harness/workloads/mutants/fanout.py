"""Fan-out mutants. `mutant-child-new-id`: each child is started under a fresh random id.

Someone hit "workflow already started" when re-running a parent, and "fixed" it by adding
a random suffix to child ids. Now the id no longer says which child it is, so nothing
stops a second copy: a reset or re-run parent starts every child again under new ids, and
no one can tell from the outside which execution is child 3.
"""

from __future__ import annotations

import asyncio

from temporalio import activity, workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from harness.services.client import ServicesClient
    from harness.workloads.calls import call_step, current_workflow_id
    from harness.workloads.fanout.model import (
        ChildJob,
        ChildResult,
        FanOutJob,
        FanOutResult,
        expected_total,
        item_value,
    )
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


class ItemTwiceActivities:
    """Bug: process_item records its result, then "makes sure" by recording it again without
    the idempotency key: every work item takes effect twice."""

    def __init__(self, services: ServicesClient) -> None:
        self.services = services

    @activity.defn(name="process_item")
    async def process_item(self, parent_id: str, child: int, item: int, use_ledger: bool) -> int:
        value = item_value(child, item)
        if use_ledger:
            for _ in range(2):
                await call_step(self.services, "fanout", "item", current_workflow_id(),
                                f"item/{item}", {"parent_id": parent_id, "child": child,
                                                 "item": item, "value": value},
                                idempotent=False)
        return value


@workflow.defn(name=WORKFLOW_NAME)
class FanOutAbandonChildren:
    """Bug: the parent starts its children fire-and-forget (they are "independent") and
    returns the aggregate it expects instead of the one they produce."""

    @workflow.run
    async def run(self, job: FanOutJob) -> FanOutResult:
        parent_id = workflow.info().workflow_id
        for c in range(job.children):
            await workflow.start_child_workflow(
                CHILD_NAME, ChildJob(parent_id, c, job.activities, job.use_ledger),
                id=child_id(parent_id, c), task_timeout=WORKFLOW_TASK_TIMEOUT,
                parent_close_policy=ParentClosePolicy.ABANDON,
                search_attributes=workflow.info().typed_search_attributes)
        return FanOutResult(job.children, job.children * job.activities,
                            expected_total(job.children, job.activities))
