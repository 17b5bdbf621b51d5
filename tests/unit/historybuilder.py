"""Histories with the detail the generic checks read: timeouts, retry policies, attempts,
failures with their types, payloads and children, written as a server stores them."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tests.unit.runbuilder import RunBuilder, _event_time, _payloads, history_file


@dataclass
class Step:
    """One activity: scheduled at `t`, started at `start` (None: never), closed at `end`."""

    kind: str
    t: float
    outcome: str | None = "completed"  # completed | failed | timed_out | None (still open)
    start: float | None = None
    end: float | None = None
    args: list[Any] = field(default_factory=lambda: [{"trip_id": "t"}])
    attempt: int = 1
    failure: tuple[str, str] | None = None  # (application error type, message)
    last_failure: tuple[str, str] | None = None
    retry_state: str | None = None
    start_to_close: str | None = "10s"
    heartbeat_timeout: str | None = None
    maximum_attempts: int = 0
    result: Any = None


@dataclass
class Child:
    workflow_id: str
    kind: str
    t: float
    end: float | None = None
    args: list[Any] = field(default_factory=list)


def _failure(failure: tuple[str, str]) -> dict[str, Any]:
    return {"message": failure[1], "applicationFailureInfo": {"type": failure[0]}}


def write_history(b: RunBuilder, name: str, steps: list[Step], children: list[Child] = (),
                  run: str = "run-1", inputs: list[Any] | None = None) -> RunBuilder:
    events: list[dict[str, Any]] = [{
        "eventId": "1", "eventTime": _event_time(b.t), "eventType":
        "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED", "workflowExecutionStartedEventAttributes": {
            "workflowType": {"name": "BookTrip"}, "input": {"payloads": _payloads(inputs or [])}}}]

    def add(t: float, kind: str, attrs_key: str, attrs: dict[str, Any]) -> str:
        eid = str(len(events) + 1)
        events.append({"eventId": eid, "eventTime": _event_time(t),
                       "eventType": f"EVENT_TYPE_{kind}", attrs_key: attrs})
        return eid

    for i, s in enumerate(steps):
        retry = {"initialInterval": "0.200s"}
        if s.maximum_attempts:
            retry["maximumAttempts"] = s.maximum_attempts
        attrs: dict[str, Any] = {"activityId": str(i + 1), "activityType": {"name": s.kind},
                                 "input": {"payloads": _payloads(s.args)},
                                 "scheduleToCloseTimeout": "0s", "retryPolicy": retry}
        if s.start_to_close:
            attrs["startToCloseTimeout"] = s.start_to_close
        if s.heartbeat_timeout:
            attrs["heartbeatTimeout"] = s.heartbeat_timeout
        sid = add(s.t, "ACTIVITY_TASK_SCHEDULED", "activityTaskScheduledEventAttributes", attrs)
        if s.outcome is None:
            continue
        start = s.start if s.start is not None else s.t + 0.01
        end = s.end if s.end is not None else start + 0.1
        if s.outcome != "timed_out" or s.start is not None:
            started = {"scheduledEventId": sid, "attempt": s.attempt, "identity": "worker-1.1"}
            if s.last_failure:
                started["lastFailure"] = _failure(s.last_failure)
            add(start, "ACTIVITY_TASK_STARTED", "activityTaskStartedEventAttributes", started)
        key = {"completed": "Completed", "failed": "Failed", "timed_out": "TimedOut"}[s.outcome]
        close: dict[str, Any] = {"scheduledEventId": sid}
        if s.outcome == "completed":
            close["result"] = {"payloads": _payloads([s.result])}
        elif s.failure:
            close["failure"] = _failure(s.failure)
            close["retryState"] = s.retry_state or "RETRY_STATE_NON_RETRYABLE_FAILURE"
        add(end, f"ACTIVITY_TASK_{s.outcome.upper()}", f"activityTask{key}EventAttributes", close)
    for c in children:
        iid = add(c.t, "START_CHILD_WORKFLOW_EXECUTION_INITIATED",
                  "startChildWorkflowExecutionInitiatedEventAttributes",
                  {"workflowId": c.workflow_id, "workflowType": {"name": c.kind},
                   "input": {"payloads": _payloads(c.args)}})
        if c.end is not None:
            add(c.end, "CHILD_WORKFLOW_EXECUTION_COMPLETED",
                "childWorkflowExecutionCompletedEventAttributes", {"initiatedEventId": iid})
    b.histories[history_file(b.wid(name), run)] = json.dumps({"events": events})
    return b
