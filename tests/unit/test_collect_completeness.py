"""Collection keeps listing until the run's executions are all there: every id the driver
knows, and the next run of every continued-as-new execution."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from harness.collect import children_named, complete
from tests.unit.runbuilder import RunBuilder, history_file


def listing(*rows: tuple[str, str, WorkflowExecutionStatus]) -> dict[tuple[str, str], Any]:
    return {(wid, run): SimpleNamespace(status=status) for wid, run, status in rows}


def test_a_continued_run_without_its_successor_is_not_complete() -> None:
    """Defect: listing stopped once the driver's ids were visible, missing the next run."""
    can, running = WorkflowExecutionStatus.CONTINUED_AS_NEW, WorkflowExecutionStatus.RUNNING
    assert not complete(listing(("a", "r1", can)), {"a"})
    assert complete(listing(("a", "r1", can), ("a", "r2", running)), {"a"})
    assert not complete(listing(("a", "r1", running)), {"a", "b"})


def test_children_named_in_histories_are_found(tmp_path: Path) -> None:
    """Defect: late children (not yet in visibility) were missed."""
    b = RunBuilder(tmp_path).workflow("p", workflow_type="FanOut")
    b.histories[history_file("r1/p", "run-1")] = (
        '{"events": [{"eventId": "5", "eventType": '
        '"EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED", '
        '"startChildWorkflowExecutionInitiatedEventAttributes": '
        '{"workflowId": "r1/p/child-0", "workflowType": {"name": "FanOutChild"}}}]}')
    run = b.build()
    assert children_named(run, run.workflows) == {"r1/p/child-0"}
