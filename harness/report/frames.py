"""pandas frames over a run folder's evidence: completions, faults, activity attempts, ledger.

Every frame is built from stored files only and is empty (with the right columns) when
its source is absent, so plots and tables can say "nothing here" instead of failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from harness.evidence.attempts import attempts as pair_attempts
from harness.evidence.attempts import read_events
from harness.evidence.measurements import timed_entries
from harness.runfolder import RunFolder

COMPLETION_COLUMNS = ["workflow_id", "workload", "started", "finished", "latency_s", "outcome"]
FAULT_COLUMNS = ["fault_id", "fault", "target", "injected", "healed", "error"]
ATTEMPT_COLUMNS = ["workflow_id", "activity_id", "activity_type", "attempt", "identity",
                   "start", "end", "outcome", "error"]
LEDGER_OUTCOMES = ["applied", "duplicate", "rejected", "invalid", "noop", "degraded"]


def entries(run: RunFolder) -> list[dict[str, Any]]:
    """Journal entries with a time (harness.evidence.measurements.timed_entries)."""
    return timed_entries(run)


def run_start(run: RunFolder) -> float | None:
    """Epoch seconds every timeline is relative to: the run's start entry, else the first."""
    for entry in entries(run):
        if entry.get("kind") == "run" and entry.get("type") == "start":
            return float(entry["t"])
    times = [e["t"] for e in entries(run)]
    return min(times) if times else None


def run_end(run: RunFolder) -> float | None:
    times = [e["t"] for e in entries(run)]
    return float(max(times)) if times else None


def completions(run: RunFolder) -> pd.DataFrame:
    """One row per workflow whose result call ended: latency from its start invoke."""
    starts: dict[str, dict[str, Any]] = {}
    rows = []
    for e in entries(run):
        if e.get("kind") != "client" or "workflow_id" not in e:
            continue
        wid = e["workflow_id"]
        if e.get("op") == "start" and e.get("type") == "invoke":
            starts.setdefault(wid, e)
        elif e.get("op") == "result" and e.get("type") in ("ok", "fail", "info"):
            start = starts.get(wid)
            started = float(start["t"]) if start else None
            rows.append({
                "workflow_id": wid, "workload": (start or {}).get("workload"),
                "started": started, "finished": float(e["t"]),
                "latency_s": float(e["t"]) - started if started is not None else None,
                "outcome": e["type"],
            })
    return pd.DataFrame(rows, columns=COMPLETION_COLUMNS)


def faults(run: RunFolder) -> pd.DataFrame:
    """One row per fault id: its inject and heal times (heal NaN when none was recorded)."""
    by_id: dict[str, dict[str, Any]] = {}
    for e in entries(run):
        if e.get("kind") != "fault":
            continue
        fid = str(e.get("fault_id") or f"#{e.get('seq')}")
        row = by_id.setdefault(fid, {"fault_id": fid, "fault": e.get("fault"),
                                     "target": e.get("target"), "injected": None,
                                     "healed": None, "error": None})
        if e.get("type") == "inject" and row["injected"] is None:
            row["injected"] = float(e["t"])
            if e.get("error"):
                row["error"] = f"inject failed: {e['error']}"
        elif e.get("type") == "heal":
            row["healed"] = float(e["t"])
            row["error"] = f"heal failed: {e['error']}" if e.get("error") else row["error"]
    return pd.DataFrame(list(by_id.values()), columns=FAULT_COLUMNS)


def worker_crashes(run: RunFolder) -> pd.Series:
    """When workers died unasked (journal `worker` `crash`): aimed crashes and real ones."""
    return pd.Series([float(e["t"]) for e in entries(run)
                      if e.get("kind") == "worker" and e.get("type") == "crash"], dtype=float)


def read_activity_events(workers_dir: Path) -> pd.DataFrame:
    """All workers' attempt events (harness.evidence.attempts) as a frame."""
    frame = pd.DataFrame(read_events(workers_dir))
    for col in ("t", "identity", "event", "workflow_id", "workflow_run_id", "activity_id",
                "activity_type", "attempt", "error", "injection"):
        if col not in frame:
            frame[col] = None
    return frame


def worker_deaths(run: RunFolder) -> dict[str, list[float]]:
    """Per worker identity, when the journal saw it killed, crash or exit."""
    deaths: dict[str, list[float]] = {}
    for e in entries(run):
        if e.get("kind") == "worker" and e.get("type") in ("kill", "crash", "exit"):
            deaths.setdefault(str(e.get("identity")), []).append(float(e["t"]))
    return deaths


def attempts(events: pd.DataFrame, run_end: float | None = None,
             deaths: dict[str, list[float]] | None = None) -> pd.DataFrame:
    """Each attempt with its end; one left open is `lost` (harness.evidence.attempts).

    A lost attempt ends where its worker died (the crash point), else at the run's end.
    """
    records = [{k: v for k, v in e.items() if v is not None and v == v}
               for e in events.to_dict("records")]
    paired = pair_attempts(records)
    last = run_end if run_end is not None else (float(events["t"].max()) if len(events) else 0)
    rows = []
    for a in paired:
        end = a.end
        if a.outcome == "lost":
            died = [t for t in (deaths or {}).get(a.identity, []) if t >= a.start]
            end = min(died) if died else max(last, a.start)
        rows.append({"workflow_id": a.workflow_id, "activity_id": a.activity_id,
                     "activity_type": a.activity_type, "attempt": a.attempt,
                     "identity": a.identity, "start": a.start, "end": end,
                     "outcome": a.outcome, "error": a.error})
    return pd.DataFrame(rows, columns=ATTEMPT_COLUMNS)


def ledger_summary(ledger: dict[str, Any] | None) -> pd.DataFrame:
    """Per service/op: attempts, effects and each attempt outcome (duplicates absorbed etc.)."""
    columns = ["service", "op", "attempts", "effects", *LEDGER_OUTCOMES]
    if not isinstance(ledger, dict):
        return pd.DataFrame(columns=columns)
    tried = pd.DataFrame(ledger.get("attempts") or [], columns=["service", "op", "outcome"])
    done = pd.DataFrame(ledger.get("effects") or [], columns=["service", "op"])
    if tried.empty and done.empty:
        return pd.DataFrame(columns=columns)
    keys = ["service", "op"]
    table = tried.groupby(keys).size().rename("attempts").to_frame()
    table = table.join(done.groupby(keys).size().rename("effects"), how="outer")
    outcomes = tried.pivot_table(index=keys, columns="outcome", aggfunc="size", fill_value=0)
    table = table.join(outcomes, how="left")
    for col in columns[2:]:
        if col not in table:
            table[col] = 0
    return table.fillna(0).astype(int).reset_index()[columns]
