"""Throughput and latency of one stored run, from its files only (journal, histories).

    makespan          first start invoke -> last result, from the journal
    workflows/s       executions (parents and children) / makespan
    activities/s      ActivityTaskCompleted events in the histories / makespan
    latency           each execution's first -> last history event (closed ones only)
    schedule-to-start ActivityTaskScheduled -> ActivityTaskStarted of the same activity

Histories are read through the shared history facts (harness.evidence.history), plain JSON
rather than protobuf: a 10K-activity sweep point has tens of thousands of events.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.evidence.history import execution
from harness.evidence.measurements import percentile
from harness.runfolder import RunFolder


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
    """Per-execution latencies, per-activity schedule-to-start, completed activities, from
    the shared history facts (harness.evidence.history)."""
    latencies: list[tuple[str, str, float]] = []  # (wid, parent, seconds)
    sched_ms: list[float] = []
    completed = 0
    for record in run.workflows:
        facts = execution(run, record["history_file"], decode=False) \
            if record.get("history_file") else None  # times and outcomes: no payload read
        if facts is None or not facts.events:
            continue
        if facts.status != "RUNNING" and facts.start_t is not None \
                and facts.close_t is not None:
            latencies.append((record["workflow_id"], record.get("parent_id") or "",
                              facts.close_t - facts.start_t))
        for act in facts.activities:
            if act.schedule_to_start_s is not None:
                sched_ms.append(act.schedule_to_start_s * 1000)
            completed += act.outcome == "completed"
    lat = pd.DataFrame(latencies, columns=["workflow_id", "parent_id", "seconds"])
    return {"latency": lat, "schedule_to_start_ms": pd.Series(sched_ms, dtype=float),
            "activities_completed": completed}


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
