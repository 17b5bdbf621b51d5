"""When crashes and restarts landed during a run, and which workflows they hit.

Three sources, because each fault family leaves a different trace: the nemesis journals
`inject` for faults it fires itself (worker_kill, server_restart, rolling_restart); the
supervisor journals every worker `kill` and every unasked death (`crash`); and a worker's
interceptor writes `injected` just before an aimed crash or a duplicate delivery. Armed
faults (an aimed crash waiting for its Nth activity) journal their inject at the start of
the run, not when they strike, so their inject entry is no crash time.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.checks.facts import executions
from harness.evidence.attempts import attempt_events
from harness.evidence.history import epoch
from harness.runfolder import RunFolder

CRASH_FAULTS = {"worker_kill", "worker_crash", "server_restart", "rolling_restart"}
# A fault's inject entry follows the supervisor's kill entry within this many seconds.
SAME_EVENT_S = 5.0


@dataclass(frozen=True)
class Hit:
    t: float
    fault: str
    fault_id: str | None = None
    target: str | None = None
    workflow_id: str | None = None  # set when the fault aimed at one workflow's activity

    def describe(self) -> dict[str, object]:
        return {"fault": self.fault, "fault_id": self.fault_id, "target": self.target,
                "t": round(self.t, 3)}


def crash_hits(run: RunFolder) -> list[Hit]:
    """Every crash or restart while the workloads were driven, in time order."""
    hits: list[Hit] = []
    driven_at = next((e["t"] for e in run.journal
                      if e.get("kind") == "run" and e.get("type") == "driven"), None)
    for entry in run.journal:
        t = float(entry.get("t") or 0.0)
        if entry.get("kind") == "fault" and entry.get("type") == "inject" \
                and not entry.get("error"):
            name = str(entry.get("fault"))
            if (entry.get("details") or {}).get("armed") or not _is_crash(name):
                continue
            hits.append(Hit(t, name, entry.get("fault_id"), entry.get("target")))
    for entry in run.journal:
        t = float(entry.get("t") or 0.0)
        if entry.get("kind") != "worker" or entry.get("type") not in ("crash", "kill"):
            continue
        if driven_at is not None and t > driven_at:
            continue  # the run's own shutdown of its workers, after the last workflow
        identity = str(entry.get("identity"))
        if any(abs(h.t - t) < SAME_EVENT_S and identity in str(h.target) for h in hits):
            continue  # the kill a journaled fault did: already counted as that fault
        hits.append(Hit(t, f"worker {entry['type']}", None, identity))
    for event in attempt_events(run):
        if event.get("event") == "injected":
            hits.append(Hit(float(event.get("t") or 0.0), f"injected:{event.get('injection')}",
                            event.get("fault_id"), event.get("identity"),
                            event.get("workflow_id")))
    hits.sort(key=lambda h: h.t)
    return hits


def _is_crash(name: str) -> bool:
    return name in CRASH_FAULTS or any(word in name for word in ("kill", "crash", "restart"))


def running_at(run: RunFolder, t: float) -> set[str]:
    """Workflow ids with an execution open at time t (started, not yet closed)."""
    found: set[str] = set()
    for wid, records in executions(run).items():
        for record in records:
            start, close = epoch(record.get("start_time")), epoch(record.get("close_time"))
            if start is not None and start <= t and (close is None or close > t):
                found.add(wid)
    return found


def hits_by_workflow(run: RunFolder, crashes: list[Hit] | None = None) -> dict[str, list[Hit]]:
    """The crashes each workflow lived through: every open workflow for a process-wide
    fault, only the aimed workflow for an activity injection."""
    hit: dict[str, list[Hit]] = {}
    for crash in crash_hits(run) if crashes is None else crashes:
        victims = {crash.workflow_id} if crash.workflow_id else running_at(run, crash.t)
        for wid in victims:
            hit.setdefault(wid, []).append(crash)
    return hit
