"""Recovery time: from a fault's heal (or a kill) until an affected workflow makes progress.

Computed from stored files only (journal + activity events), so `harness check` and
`harness report` get the same figures as the run. "Affected" workflows are those with an
activity in flight when the fault hit (on the hit worker, for worker faults); "progress" is
the next activity attempt of one of them starting or completing (of any workflow, if none
was in flight): the moment work on it resumed.
"""

from __future__ import annotations

import json
from typing import Any

from harness.runfolder import RunFolder

# Faults whose damage ends at their heal (a window), vs at the moment they hit (a kill).
_HEALED = {"network", "server_restart"}
_AT_INJECT = {"worker_kill", "rolling_restart"}


def activity_events(run: RunFolder) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for path in sorted(run.workers_dir.glob("*.activities.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a line torn by the SIGKILL that was the fault
    events.sort(key=lambda e: e["t"])
    return events


def in_flight(events: list[dict[str, Any]], at: float,
              identities: set[str] | None = None) -> set[str]:
    """Workflow ids with an activity attempt started and not finished at time `at`
    (on the given workers only, when the fault hit specific workers)."""
    open_attempts: dict[tuple[str, str, int], str] = {}
    for e in events:
        if e["t"] > at:
            break
        if identities is not None and e["identity"] not in identities:
            continue
        key = (e["workflow_id"], e["activity_id"], e["attempt"])
        if e["event"] == "started":
            open_attempts[key] = e["workflow_id"]
        elif e["event"] in ("completed", "failed"):
            open_attempts.pop(key, None)
    return set(open_attempts.values())


def fault_points(run: RunFolder) -> list[dict[str, Any]]:
    """Each fault that hit: when it hit and from when recovery is measured."""
    points: list[dict[str, Any]] = []
    injects: dict[str, dict[str, Any]] = {}
    for e in run.journal:
        if e.get("kind") == "fault" and e.get("type") == "inject" and "error" not in e:
            if e["fault"] in _HEALED or e["fault"] in _AT_INJECT:
                began = e.get("started", e["t"])
                injects[e["fault_id"]] = {"fault_id": e["fault_id"], "fault": e["fault"],
                                          "target": e.get("target"), "injected_at": began,
                                          "healed_at": None, "ref": began}
                points.append(injects[e["fault_id"]])
        elif e.get("kind") == "fault" and e.get("type") == "heal" and e.get("fault_id") in injects:
            point = injects[e["fault_id"]]
            point["healed_at"] = e["t"]
            if point["fault"] in _HEALED:
                point["ref"] = e["t"]
        elif e.get("kind") == "worker" and e.get("type") == "crash":
            points.append({"fault_id": f"crash:{e['identity']}", "fault": "worker_crash",
                           "target": e["identity"], "injected_at": e["t"], "healed_at": None,
                           "ref": e["t"]})
    return points


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    rank = q * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (rank - low), 3)


def recovery_times(run: RunFolder) -> dict[str, Any]:
    """Per fault: seconds to recovery, or None if work never resumed. A fault that hit no
    work in flight and after which no work ran at all (the run was ending) is `idle`: there
    was nothing to recover, so it is counted apart rather than as never recovered."""
    events = activity_events(run)
    per_fault = []
    idle = 0
    for point in fault_points(run):
        workers = None
        if point["fault"] in _AT_INJECT or point["fault"] == "worker_crash":
            workers = set(str(point.get("target") or "").split(","))
        affected = in_flight(events, point["injected_at"], workers)
        recovered = next((e["t"] for e in events if e["event"] in ("started", "completed")
                          and e["t"] > point["ref"]
                          and (not affected or e["workflow_id"] in affected)), None)
        seconds = round(recovered - point["ref"], 3) if recovered is not None else None
        if seconds is None and not affected:
            idle += 1
            continue
        per_fault.append({k: v for k, v in point.items() if k != "ref"}
                         | {"recovered_at": recovered, "seconds": seconds,
                            "affected_workflows": len(affected),
                            "workflow_ids": sorted(affected)[:20]})
    values = [p["seconds"] for p in per_fault if p["seconds"] is not None]
    return {"per_fault": per_fault, "p50": percentile(values, 0.5),
            "p95": percentile(values, 0.95), "max": max(values) if values else None,
            "idle_faults": idle}
