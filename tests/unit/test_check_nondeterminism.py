"""nondeterminism: a deploy counts only if it reached a running workflow (from the histories)."""

from __future__ import annotations

import json
from pathlib import Path

from harness.checks.nondeterminism import NondeterminismOptions, check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder, _event_time, history_file, iso

BEGAN, SERVING = 1010.0, 1012.0  # the deploy began (old workers stopped), new ones served
OLD, NEW = "worker-1.1", "worker-1.2"


def with_tasks(b: RunBuilder, name: str, start: float,
               tasks: list[tuple[float, str]]) -> RunBuilder:
    """A completed workflow started at `start` whose workflow tasks started at these times
    on these workers."""
    events = [{"eventId": "1", "eventTime": _event_time(start),
               "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
               "workflowExecutionStartedEventAttributes": {
                   "workflowType": {"name": "OrderSaga"}}}]
    for at, identity in tasks:
        scheduled = str(len(events) + 1)
        events.append({"eventId": scheduled, "eventTime": _event_time(at - 0.01),
                       "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
                       "workflowTaskScheduledEventAttributes": {}})
        events.append({"eventId": str(len(events) + 1), "eventTime": _event_time(at),
                       "eventType": "EVENT_TYPE_WORKFLOW_TASK_STARTED",
                       "workflowTaskStartedEventAttributes": {"scheduledEventId": scheduled,
                                                              "identity": identity}})
    b.histories[history_file(b.wid(name), "run-1")] = json.dumps({"events": events})
    return b.workflow(name, start_time=iso(start), workflow_type="OrderSaga")


def deployed(tmp_path: Path) -> RunBuilder:
    b = RunBuilder(tmp_path).worker("start", OLD, t=999.0)
    b.worker("start", NEW, t=BEGAN + 0.1)
    return b.fault("deploy", t=SERVING, started=BEGAN, target="order_saga:v1->v2")


def test_a_workflow_that_crossed_the_deploy_cleanly_passes(tmp_path: Path) -> None:
    b = with_tasks(deployed(tmp_path), "o1", 1000.0, [(1000.1, OLD), (1012.5, NEW)])
    verdict = check(b.build())
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["crossed_deploy"] == 1


def test_a_deploy_after_every_workflow_finished_is_unknown(tmp_path: Path) -> None:
    """Defect: a deploy that landed after the old workers had finished every order passed."""
    # Its last task came after the deploy began, but on the old worker (shutting down).
    b = with_tasks(deployed(tmp_path), "o1", 1000.0, [(1000.1, OLD), (1011.0, OLD)])
    b = with_tasks(b, "o2", 1013.0, [(1013.1, NEW)])  # started on the new code: crossed nothing
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN and "reached no running workflow" in \
        verdict.summary, verdict


def test_a_drill_whose_deploy_reached_nothing_is_unknown_not_failed(tmp_path: Path) -> None:
    b = with_tasks(deployed(tmp_path), "o1", 1000.0, [(1000.1, OLD), (1011.0, OLD)])
    verdict = check(b.build(), NondeterminismOptions(expect=True))
    assert verdict.status == Status.UNKNOWN and "cannot tell" in verdict.summary, verdict


def test_a_drill_whose_deploy_reached_workflows_without_nondeterminism_fails(
        tmp_path: Path) -> None:
    b = with_tasks(deployed(tmp_path), "o1", 1000.0, [(1000.1, OLD), (1012.5, NEW)])
    verdict = check(b.build(), NondeterminismOptions(expect=True))
    assert verdict.status == Status.FAIL and "went undetected" in verdict.summary, verdict
