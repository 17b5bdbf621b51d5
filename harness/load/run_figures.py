"""Throughput and latency of one stored run, from its files only (journal, histories).

    makespan          first start invoke -> last result, from the journal
    workflows/s       executions (parents and children) / makespan
    activities/s      ActivityTaskCompleted events in the histories / makespan
    latency           each execution's first -> last history event (closed ones only)
    schedule-to-start ActivityTaskScheduled -> ActivityTaskStarted of the same activity

Histories are read as plain JSON (not protobuf) because a 10K-activity sweep point has
tens of thousands of events and this is the hot loop of a sweep.
"""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from harness.evidence.measurements import percentile
from harness.runfolder import RunFolder

_SCHEDULED = "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"
_STARTED = "EVENT_TYPE_ACTIVITY_TASK_STARTED"
_COMPLETED = "EVENT_TYPE_ACTIVITY_TASK_COMPLETED"
_CLOSED = {"EVENT_TYPE_WORKFLOW_EXECUTION_" + s for s in
           ("COMPLETED", "FAILED", "TIMED_OUT", "TERMINATED", "CANCELED", "CONTINUED_AS_NEW")}


def makespan(run: RunFolder) -> tuple[float, float] | None:
    """(first start invoke t, last result t) of the run's client operations."""
    starts = [e["t"] for e in run.journal if e.get("kind") == "client"
              and e.get("op") == "start" and e.get("type") == "invoke"]
    ends = [e["t"] for e in run.journal if e.get("kind") == "client"
            and e.get("op") == "result" and e.get("type") != "invoke"]
    if not starts or not ends:
        return None
    return min(starts), max(ends)


def history_timings(run: RunFolder) -> dict[str, Any]:
    """Per-execution latencies, per-activity schedule-to-start, completed activities."""
    latencies: list[tuple[str, str, str, str]] = []  # (wid, parent, first, last)
    sched: list[tuple[str, str]] = []
    completed = 0
    for record in run.workflows:
        path = run.path / record["history_file"]
        if not path.exists():
            continue
        events = json.loads(path.read_text(encoding="utf-8")).get("events", [])
        if not events:
            continue
        if events[-1]["eventType"] in _CLOSED:
            latencies.append((record["workflow_id"], record.get("parent_id") or "",
                              events[0]["eventTime"], events[-1]["eventTime"]))
        scheduled: dict[str, str] = {}
        for event in events:
            kind = event["eventType"]
            if kind == _SCHEDULED:
                scheduled[event["eventId"]] = event["eventTime"]
            elif kind == _STARTED:
                attrs = event.get("activityTaskStartedEventAttributes", {})
                at = scheduled.get(str(attrs.get("scheduledEventId")))
                if at:
                    sched.append((at, event["eventTime"]))
            elif kind == _COMPLETED:
                completed += 1
    lat = pd.DataFrame(latencies, columns=["workflow_id", "parent_id", "first", "last"])
    seconds = (pd.to_datetime(lat["last"], utc=True, format="ISO8601")
               - pd.to_datetime(lat["first"], utc=True, format="ISO8601")).dt.total_seconds()
    lat["seconds"] = seconds
    sts = pd.DataFrame(sched, columns=["scheduled", "started"])
    sts_ms = (pd.to_datetime(sts["started"], utc=True, format="ISO8601")
              - pd.to_datetime(sts["scheduled"], utc=True, format="ISO8601")
              ).dt.total_seconds() * 1000
    return {"latency": lat, "schedule_to_start_ms": sts_ms, "activities_completed": completed}


def _pct(series: pd.Series, q: float) -> float | None:
    value = percentile(series.dropna(), q)
    return None if value is None else round(value, 4)


def run_figures(run: RunFolder) -> dict[str, Any]:
    """One row of figures for a run (sweep point or bench phase)."""
    timings = history_timings(run)
    lat: pd.DataFrame = timings["latency"]
    sts: pd.Series = timings["schedule_to_start_ms"]
    span = makespan(run)
    seconds = (span[1] - span[0]) if span else None
    executions = len(run.workflows)
    acts = timings["activities_completed"]
    parents = lat[lat["parent_id"] == ""]["seconds"]
    return {
        "workflows": executions, "activities_completed": acts,
        "makespan_s": round(seconds, 3) if seconds else None,
        "workflows_per_s": round(executions / seconds, 2) if seconds else None,
        "activities_per_s": round(acts / seconds, 2) if seconds else None,
        "latency_p50_s": _pct(lat["seconds"], 0.5), "latency_p95_s": _pct(lat["seconds"], 0.95),
        "latency_p99_s": _pct(lat["seconds"], 0.99),
        "parent_latency_max_s": _pct(parents, 1.0),
        "sched_to_start_p50_ms": _pct(sts, 0.5), "sched_to_start_p95_ms": _pct(sts, 0.95),
        "sched_to_start_p99_ms": _pct(sts, 0.99),
    }
