"""The baseline's workflows: plain temporalio, no harness settings, no-op activities.

Importable without side effects (the workflow sandbox re-imports this module).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from temporalio import activity, workflow

NOOP_WORKFLOW = "BenchNoop"
FANOUT_WORKFLOW = "BenchFanOut"
CHILD_WORKFLOW = "BenchFanOutChild"
TIMEOUT = timedelta(seconds=30)


@activity.defn(name="bench_noop")
async def noop(value: int) -> int:
    return value


@workflow.defn(name=NOOP_WORKFLOW)
class NoopWorkflow:
    @workflow.run
    async def run(self, value: int) -> int:
        return await workflow.execute_activity(noop, value, start_to_close_timeout=TIMEOUT)


@workflow.defn(name=CHILD_WORKFLOW)
class FanOutChild:
    @workflow.run
    async def run(self, activities: int) -> int:
        values = await asyncio.gather(*(
            workflow.execute_activity(noop, i, start_to_close_timeout=TIMEOUT)
            for i in range(activities)))
        return sum(values)


@workflow.defn(name=FANOUT_WORKFLOW)
class FanOut:
    @workflow.run
    async def run(self, children: int, activities: int) -> int:
        parent = workflow.info().workflow_id
        totals = await asyncio.gather(*(
            # Children get the parent's workflow task timeout, as the reference fan-out's
            # children get the harness's: the same work on both sides of the ratio.
            workflow.execute_child_workflow(CHILD_WORKFLOW, activities, id=f"{parent}/c{c}",
                                            task_timeout=workflow.info().task_timeout)
            for c in range(children)))
        return sum(totals)


WORKFLOWS = [NoopWorkflow, FanOutChild, FanOut]
ACTIVITIES = [noop]
