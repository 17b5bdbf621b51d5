"""Finding workflows stuck on nondeterminism, from Temporal's own evidence.

By default a nondeterminism error does not fail the workflow: it stays RUNNING, the
history gets one WORKFLOW_TASK_FAILED event with the non-deterministic cause, and the
retries show only in describe() as pending workflow task attempts (docs/temporal-facts.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType, WorkflowTaskFailedCause
from temporalio.client import Client, WorkflowHistory

from harness.workloads.settings import SEARCH_ATTRIBUTE

NDE_CAUSE = WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR


@dataclass
class StuckWorkflow:
    workflow_id: str
    run_id: str
    event_id: int  # the WORKFLOW_TASK_FAILED event
    message: str
    identity: str


def nondeterminism_failures(history: WorkflowHistory) -> list[StuckWorkflow]:
    """Workflow task failures caused by nondeterminism, with the SDK's message."""
    out = []
    for event in history.events:
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED:
            continue
        attrs = event.workflow_task_failed_event_attributes
        if attrs.cause == NDE_CAUSE:
            out.append(StuckWorkflow(history.workflow_id, history.run_id, event.event_id,
                                     attrs.failure.message, attrs.identity))
    return out


async def count_stuck(client: Client, run_id: str) -> int:
    """How many running workflows of the run carry a nondeterminism failure right now."""
    count = 0
    query = f"{SEARCH_ATTRIBUTE} = '{run_id}' AND ExecutionStatus = 'Running'"
    async for execution in client.list_workflows(query):
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        if nondeterminism_failures(history):
            count += 1
    return count
