"""The activities of a stored history: what was scheduled, with which input, and when it closed.

Read straight from the stored JSON (protobuf JSON of the event history) so a check needs no
SDK to tell which step of a workflow had completed before a crash. Only the last attempt of
an activity is in history, which is all this needs: when it was scheduled, and whether and
when the server recorded it completed (or failed, timed out, was cancelled).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any

from harness.checks.facts import epoch
from harness.runfolder import RunFolder

_CLOSES = {
    "EVENT_TYPE_ACTIVITY_TASK_COMPLETED": ("completed", "activityTaskCompletedEventAttributes"),
    "EVENT_TYPE_ACTIVITY_TASK_FAILED": ("failed", "activityTaskFailedEventAttributes"),
    "EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT": ("timed_out", "activityTaskTimedOutEventAttributes"),
    "EVENT_TYPE_ACTIVITY_TASK_CANCELED": ("canceled", "activityTaskCanceledEventAttributes"),
}


@dataclass
class ActivityRun:
    activity_id: str
    activity_type: str
    args: list[Any] = field(default_factory=list)
    scheduled_t: float | None = None
    closed: str | None = None  # completed | failed | timed_out | canceled; None: still open
    closed_t: float | None = None


def activities(run: RunFolder, history_file: str) -> list[ActivityRun]:
    """The activities of one stored history, in schedule order; [] if the file is missing."""
    path = run.path / history_file
    if not path.exists():
        return []
    events = json.loads(path.read_text(encoding="utf-8")).get("events", [])
    by_event: dict[str, ActivityRun] = {}
    for event in events:
        kind = event.get("eventType")
        if kind == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED":
            attrs = event.get("activityTaskScheduledEventAttributes", {})
            by_event[str(event.get("eventId"))] = ActivityRun(
                activity_id=str(attrs.get("activityId")),
                activity_type=str(attrs.get("activityType", {}).get("name")),
                args=decode_payloads(attrs.get("input", {}).get("payloads", [])),
                scheduled_t=epoch(event.get("eventTime")),
            )
        elif kind in _CLOSES:
            closed, key = _CLOSES[kind]
            act = by_event.get(str(event.get(key, {}).get("scheduledEventId")))
            if act is not None:
                act.closed, act.closed_t = closed, epoch(event.get("eventTime"))
    return list(by_event.values())


def decode_payloads(payloads: list[dict[str, Any]]) -> list[Any]:
    """JSON payloads as plain values (dataclasses come back as dicts); others as None."""
    values: list[Any] = []
    for payload in payloads:
        encoding = _b64(payload.get("metadata", {}).get("encoding"))
        raw = _b64(payload.get("data"))
        try:
            values.append(json.loads(raw) if encoding == "json/plain" and raw else None)
        except ValueError:
            values.append(None)
    return values


def _b64(text: str | None) -> str:
    if not text:
        return ""
    try:
        return base64.b64decode(text).decode("utf-8", errors="replace")
    except ValueError:
        return ""
