"""Reading Temporal's evidence out of a run folder, for integration tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import WorkflowHistory

from harness.runfolder import RunFolder


def histories(run: RunFolder) -> Iterator[tuple[dict[str, Any], WorkflowHistory]]:
    for record, data in run.histories():
        yield record, WorkflowHistory.from_json(record["workflow_id"], data)


def events_of(history: WorkflowHistory, kind: str) -> list[HistoryEvent]:
    wanted = EventType.Value(f"EVENT_TYPE_{kind}")
    return [e for e in history.events if e.event_type == wanted]


def retried_activities(run: RunFolder) -> list[dict[str, Any]]:
    """Activities whose recorded (last) attempt is > 1, with the failure that caused it."""
    out = []
    for record, history in histories(run):
        for e in events_of(history, "ACTIVITY_TASK_STARTED"):
            attrs = e.activity_task_started_event_attributes
            if attrs.attempt > 1:
                out.append({"workflow_id": record["workflow_id"], "attempt": attrs.attempt,
                            "identity": attrs.identity,
                            "last_failure": attrs.last_failure.message})
    return out


def activity_events(run: RunFolder) -> list[dict[str, Any]]:
    return [json.loads(line) for line in run.attempt_log_lines()]


def faults(run: RunFolder, phase: str) -> list[dict[str, Any]]:
    return [e for e in run.journal if e.get("kind") == "fault" and e.get("type") == phase]


def worker_pids(run: RunFolder) -> set[int]:
    return {e["pid"] for e in run.journal if e.get("kind") == "worker" and e.get("pid")}
