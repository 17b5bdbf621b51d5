"""Every figure a check, results.json, the report and `harness certify` share, computed once.

- Percentiles: nearest rank (the smallest value with at least q of the values at or below
  it), so a percentile is always a value that was measured, and an infinite value (a
  workflow that never recovered) is never averaged away.
- Throughput: finished workflows per second from when the workers were ready to the last
  result, so worker start-up is not counted as the system being slow.
- Recovery: per affected workflow. A fault affects the workflows with an activity attempt
  in flight when it hit (on the hit workers, for worker faults; during its window, for
  network faults and server restarts). A workflow recovered when, after the kill (or the
  heal), one of its activities next completes or it closes; an attempt that merely starts
  and then fails again is no recovery. One that never progresses again counts as infinite.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.evidence.attempts import Attempt, attempt_events, attempts
from harness.evidence.history import epoch, open_at
from harness.runfolder import RunFolder

# Faults whose damage ends at their heal (a window), vs at the moment they hit (a kill).
HEALED_FAULTS = frozenset({"network", "server_restart", "dependency", "rate_limit",
                           "db_restart", "service_restart"})
KILL_FAULTS = frozenset({"worker_kill", "rolling_restart"})
# A history host's kill: measured from the kill, over every workflow open then. Its shards
# hold workflows of every worker, and a workflow on them stalls whether or not one of its
# activities is running (a completion sent to the dead host is lost and retried later).
HOST_KILL_FAULTS = frozenset({"history_kill"})
# Faults that strike the server side as a whole (every open workflow may stall).
SERVER_SIDE_FAULTS = frozenset({"server_restart", "history_kill", "service_restart",
                                "db_restart"})
NEVER = math.inf


def percentile(values: Iterable[float], q: float) -> float | None:
    """Nearest-rank percentile, q in [0, 1]; None for no values; may be infinite."""
    ordered = sorted(float(v) for v in values)
    if not ordered:
        return None
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def finite(value: float | None, digits: int = 3) -> float | None:
    """JSON has no infinity: infinite (never) is stored as null, finite values rounded."""
    if value is None or math.isinf(value) or math.isnan(value):
        return None
    return round(value, digits)


@dataclass(frozen=True)
class Distribution:
    """The shared summary of a set of durations (seconds); `never` counts infinite ones."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None
    never: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        ordered = sorted(float(v) for v in values)
        return cls(len(ordered), percentile(ordered, 0.5), percentile(ordered, 0.95),
                   percentile(ordered, 0.99), ordered[-1] if ordered else None,
                   sum(1 for v in ordered if math.isinf(v)))

    def to_json(self) -> dict[str, Any]:
        return {"count": self.count, "p50": finite(self.p50), "p95": finite(self.p95),
                "p99": finite(self.p99), "max": finite(self.max), "never": self.never}


def timed_entries(run: RunFolder) -> list[dict[str, Any]]:
    """Journal entries with a time: a hand-edited or foreign line must not sink a figure."""
    return [e for e in run.journal if isinstance(e, dict)
            and isinstance(e.get("t"), int | float) and not isinstance(e.get("t"), bool)]


# --- throughput and latency -------------------------------------------------------------------


def workers_ready_at(run: RunFolder) -> float | None:
    """When the last worker of the initial set was ready (before the first start), else None."""
    first_start = next((e["t"] for e in timed_entries(run) if e.get("kind") == "client"
                        and e.get("op") == "start" and e.get("type") == "invoke"), None)
    ready = [e["t"] for e in timed_entries(run) if e.get("kind") == "worker"
             and e.get("type") == "ready" and (first_start is None or e["t"] <= first_start)]
    return max(ready) if ready else None


def run_stats(run: RunFolder) -> dict[str, Any]:
    """Counts, throughput and latency of the run's workflows, from the journal."""
    starts: dict[str, float] = {}
    ends: dict[str, tuple[float, str]] = {}
    for e in timed_entries(run):
        if e.get("kind") != "client" or "workflow_id" not in e:
            continue
        wid = e["workflow_id"]
        if e.get("op") == "start" and e.get("type") == "invoke":
            starts.setdefault(wid, float(e["t"]))
        elif e.get("op") == "result" and e.get("type") in ("ok", "fail", "info"):
            ends[wid] = (float(e["t"]), str(e["type"]))
    finished = {w: end for w, end in ends.items() if end[1] in ("ok", "fail")}
    latencies = [t - starts[w] for w, (t, _) in finished.items() if w in starts]
    began = workers_ready_at(run)
    if began is None and starts:
        began = min(starts.values())
    last = max((t for t, _ in finished.values()), default=None)
    duration = (last - began) if began is not None and last is not None else None
    latency = Distribution.of(latencies)
    return {
        "workflows": len(starts),
        "completed": sum(1 for _, kind in ends.values() if kind == "ok"),
        "failed": sum(1 for _, kind in ends.values() if kind == "fail"),
        "indeterminate": sum(1 for _, kind in ends.values() if kind == "info"),
        "duration_s": finite(duration) if duration and duration > 0 else None,
        "throughput_wps": round(len(finished) / duration, 3) if duration and duration > 0
        else None,
        "latency_p50_s": finite(latency.p50), "latency_p95_s": finite(latency.p95),
        "latency_max_s": finite(latency.max),
    }


# --- recovery -----------------------------------------------------------------------------------


@dataclass
class FaultHit:
    """One fault that struck: when, where, and from when recovery is measured."""

    fault_id: str
    fault: str
    target: str | None
    injected_at: float
    healed_at: float | None = None
    identities: set[str] | None = None  # the workers it hit; None: every worker

    @property
    def measured_from(self) -> float:
        """A window's damage ends at its heal; a kill's at the kill."""
        if self.fault in HEALED_FAULTS and self.healed_at is not None:
            return self.healed_at
        return self.injected_at


@dataclass
class WorkflowRecovery:
    workflow_id: str
    seconds: float  # math.inf: never progressed again
    recovered_at: float | None


@dataclass
class FaultRecovery:
    hit: FaultHit
    workflows: list[WorkflowRecovery] = field(default_factory=list)

    @property
    def seconds(self) -> float | None:
        """The slowest affected workflow (infinite if one never recovered); None: hit nothing."""
        return max((w.seconds for w in self.workflows), default=None)

    def to_json(self) -> dict[str, Any]:
        slowest = sorted(self.workflows, key=lambda w: -w.seconds)
        return {"fault_id": self.hit.fault_id, "fault": self.hit.fault,
                "target": self.hit.target, "injected_at": self.hit.injected_at,
                "healed_at": self.hit.healed_at,
                "recovered_at": max((w.recovered_at for w in self.workflows
                                     if w.recovered_at is not None), default=None)
                if self.workflows and not math.isinf(self.seconds or 0) else None,
                "seconds": finite(self.seconds), "affected_workflows": len(self.workflows),
                "never_recovered": sum(1 for w in self.workflows if math.isinf(w.seconds)),
                "landed_on_nothing": not self.workflows,
                "workflow_ids": [w.workflow_id for w in slowest[:20]],
                "per_workflow": [{"workflow_id": w.workflow_id, "seconds": finite(w.seconds)}
                                 for w in slowest[:50]]}


@dataclass
class Recovery:
    faults: list[FaultRecovery]

    @property
    def samples(self) -> list[float]:
        """One value per (fault, affected workflow): what percentiles are taken over."""
        return [w.seconds for f in self.faults for w in f.workflows]

    @property
    def distribution(self) -> Distribution:
        return Distribution.of(self.samples)

    @property
    def hit_nothing(self) -> list[FaultRecovery]:
        return [f for f in self.faults if not f.workflows]

    def to_json(self) -> dict[str, Any]:
        dist = self.distribution
        return {"per_fault": [f.to_json() for f in self.faults], "samples": dist.count,
                "p50": finite(dist.p50), "p95": finite(dist.p95), "max": finite(dist.max),
                "never_recovered": dist.never, "faults_hit_nothing": len(self.hit_nothing)}


def fault_hits(run: RunFolder) -> list[FaultHit]:
    """Every fault that struck, from the journal: nemesis kills and windows, worker crashes."""
    hits: list[FaultHit] = []
    by_id: dict[str, FaultHit] = {}
    for e in timed_entries(run):
        if e.get("kind") == "fault" and e.get("type") == "inject" and not e.get("error"):
            name = str(e.get("fault"))
            if name not in HEALED_FAULTS | KILL_FAULTS | HOST_KILL_FAULTS:
                continue
            target = e.get("target")
            identities = set(str(target or "").split(",")) if name in KILL_FAULTS else None
            hit = FaultHit(str(e.get("fault_id")), name, target,
                           float(e.get("started", e["t"])), identities=identities)
            by_id[hit.fault_id] = hit
            hits.append(hit)
        elif e.get("kind") == "fault" and e.get("type") == "heal" \
                and e.get("fault_id") in by_id:
            by_id[e["fault_id"]].healed_at = float(e["t"])
        elif e.get("kind") == "worker" and e.get("type") == "crash":
            identity = str(e.get("identity"))
            hits.append(FaultHit(f"crash:{identity}", "worker_crash", identity,
                                 float(e["t"]), identities={identity}))
    return hits


def recovery(run: RunFolder) -> Recovery:
    """Recovery per fault and per affected workflow, from stored files only."""
    hits = fault_hits(run)
    if not hits:  # the attempt log of a large run is millions of lines: read it only if needed
        return Recovery([])
    tried = attempts(attempt_events(run))
    closed = _close_times(run)
    return Recovery([FaultRecovery(hit, [_recovered(wid, hit, tried, closed.get(wid))
                                         for wid in sorted(
                                             open_at(run, hit.injected_at)
                                             if hit.fault in HOST_KILL_FAULTS
                                             else affected(hit, tried))])
                     for hit in hits])


def affected(hit: FaultHit, tried: list[Attempt]) -> set[str]:
    """Workflows with an attempt in flight when the fault hit (or during its window)."""
    until = hit.healed_at if hit.fault in HEALED_FAULTS and hit.healed_at else hit.injected_at
    return {a.workflow_id for a in tried
            if a.start <= until and (a.end is None or a.end > hit.injected_at)
            and (hit.identities is None or a.identity in hit.identities)}


def _recovered(wid: str, hit: FaultHit, tried: list[Attempt], closed_at: float | None
               ) -> WorkflowRecovery:
    since = hit.measured_from
    progress = [a.end for a in tried if a.workflow_id == wid and a.outcome == "completed"
                and a.end is not None and a.end > since]
    if closed_at is not None:
        progress.append(max(closed_at, since))  # closed within a window: not stalled after it
    if not progress:
        return WorkflowRecovery(wid, NEVER, None)
    at = min(progress)
    return WorkflowRecovery(wid, round(at - since, 3), at)


def _close_times(run: RunFolder) -> dict[str, float]:
    """When each workflow id's last execution closed (continue-as-new chains: the last)."""
    found: dict[str, tuple[str, float | None]] = {}
    for record in run.workflows:
        stamp = str(record.get("start_time") or "")
        current = found.get(record["workflow_id"])
        if current is None or stamp >= current[0]:
            close = epoch(record.get("close_time")) if record.get("status") not in (
                None, "RUNNING", "CONTINUED_AS_NEW") else None
            found[record["workflow_id"]] = (stamp, close)
    return {wid: t for wid, (_, t) in found.items() if t is not None}
