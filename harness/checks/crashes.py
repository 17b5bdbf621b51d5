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
from typing import Any

from harness.evidence.attempts import attempt_events, in_flight, parse_event
from harness.evidence.history import open_at
from harness.evidence.measurements import SERVER_SIDE_FAULTS
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
    since: float | None = None  # when a fault that takes a while (a rolling restart) began

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
            began = entry.get("started")
            hits.append(Hit(t, name, entry.get("fault_id"), entry.get("target"),
                            since=float(began) if isinstance(began, int | float) else None))
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
    for line in run.attempt_log_lines(containing='"injected"'):  # parse only these
        event = parse_event(line)
        if event is not None and event.get("event") == "injected":
            hits.append(Hit(float(event.get("t") or 0.0), f"injected:{event.get('injection')}",
                            event.get("fault_id"), event.get("identity"),
                            event.get("workflow_id")))
    hits.sort(key=lambda h: h.t)
    return hits


def _is_crash(name: str) -> bool:
    return name in CRASH_FAULTS or any(word in name for word in ("kill", "crash", "restart"))


def deaths(run: RunFolder) -> list[tuple[float, str]]:
    """When each worker incarnation was killed or died, from the supervisor's journal."""
    return [(float(e.get("t") or 0.0), str(e.get("identity"))) for e in run.journal
            if e.get("kind") == "worker" and e.get("type") in ("kill", "crash")]


def victims(run: RunFolder, hit: Hit, events: list[dict[str, Any]],
            died: list[tuple[float, str]]) -> set[str]:
    """The workflows a crash actually hit: the aimed one; every open one for a server
    restart or a fault aimed at the cluster (a history host, a service, its database);
    otherwise those with an activity attempt in flight on a worker it killed,
    at the moment that worker died (not every workflow open somewhere else)."""
    if hit.workflow_id:
        return {hit.workflow_id}
    if hit.fault in SERVER_SIDE_FAULTS:
        return open_at(run, hit.t)
    identities = {i for i in str(hit.target or "").split(",") if i}
    if hit.since is not None:  # a rolling restart: every worker that died while it ran
        identities |= {i for t, i in died if hit.since - 0.5 <= t <= hit.t}
    found: set[str] = set()
    for identity in identities:
        times = [t for t, i in died if i == identity and abs(t - hit.t) < SAME_EVENT_S]
        at = min(times) if times else hit.t
        found |= in_flight(events, at, {identity})
    return found


def hits_by_workflow(run: RunFolder, crashes: list[Hit] | None = None) -> dict[str, list[Hit]]:
    """The crashes each workflow lived through with work in flight where they struck."""
    events = attempt_events(run)
    died = deaths(run)
    hit: dict[str, list[Hit]] = {}
    for crash in crash_hits(run) if crashes is None else crashes:
        for wid in victims(run, crash, events, died):
            hit.setdefault(wid, []).append(crash)
    return hit
