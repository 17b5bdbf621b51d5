"""The things to watch, as the figures results.json carries under `watch`.

Every figure comes from stored files (histories, attempt log, ledger, journal, backlog and
resource samples), so a run judged again reports the same numbers. Phases for
schedule-to-start: `before` the first fault, `during <fault>` (from its hit to its heal)
and `after <fault>` (from its heal to the next fault's hit).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from harness.checks.facts import ledger_table
from harness.evidence.attempts import logged_events, paired
from harness.evidence.history import ExecutionFacts, execution
from harness.evidence.measurements import (
    Distribution,
    FaultHit,
    fault_hits,
    finite,
    timed_entries,
)
from harness.runfolder import RunFolder
from harness.watch.backlog import drain, read_samples
from harness.watch.retries import retries_figures

# Temporal's default per-workflow history limits (limit.historyCount.* and
# limit.historySize.*): the server warns at the first, and terminates the workflow at the
# second. A history at WARN_FRACTION of the warning level is reported as approaching it.
HISTORY_COUNT_WARN, HISTORY_COUNT_ERROR = 10 * 1024, 50 * 1024
HISTORY_SIZE_WARN, HISTORY_SIZE_ERROR = 10 * 2**20, 50 * 2**20
WARN_FRACTION = 0.8
RESOURCES_FILE = "workers/resources.json"

# gRPC codes as the SDK core logs them (`code: Unavailable`) and as Python names them.
_GRPC_CODES = ("Cancelled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound",
               "AlreadyExists", "PermissionDenied", "ResourceExhausted", "FailedPrecondition",
               "Aborted", "OutOfRange", "Unimplemented", "Internal", "Unavailable",
               "DataLoss", "Unauthenticated")
_CORE_CODE = re.compile(r"\b(?:code|status): (" + "|".join(_GRPC_CODES) + r")\b")


def upper_snake(code: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", code).upper()


def watch_figures(run: RunFolder) -> dict[str, Any]:
    """Every figure of the `watch` section of results.json."""
    hits = sorted(fault_hits(run), key=lambda h: h.injected_at)
    read = read_histories(run, hits)
    return {
        "backlog": backlog_figures(run, hits),
        "schedule_to_start": schedule_to_start(read.samples, hits),
        "workflow_task_failures": workflow_task_failures(read.task_failures),
        "activity_failures": activity_failures(run, read.timed_out),
        "retries": retries_figures(ledger_table(run, "attempts")),
        "history": history_figures(read.sizes),
        "workers": worker_figures(run),
        "grpc_errors": grpc_errors(run),
    }


@dataclass
class HistoryReadings:
    """What the figures take from the histories, gathered in one streamed pass: a large
    run's facts (a million activities) do not fit in memory together."""

    samples: dict[str, dict[str, list[float]]] = field(default_factory=dict)  # by phase
    task_failures: Counter[str] = field(default_factory=Counter)  # by cause
    timed_out: Counter[str] = field(default_factory=Counter)  # activities, by type
    sizes: list[tuple[str, str, int, int]] = field(default_factory=list)  # id, run, events, bytes


def read_histories(run: RunFolder, hits: list[FaultHit]) -> HistoryReadings:
    read = HistoryReadings()
    for record in run.workflows:
        if not record.get("history_file"):
            continue
        # No figure reads a payload: decoding two per activity would be work for nothing.
        facts = execution(run, record["history_file"], record["workflow_id"],
                          record.get("run_id") or "", decode=False)
        if facts is None:
            continue
        schedule_to_start_samples(read.samples, facts, hits)
        read.task_failures.update(f.cause or "UNSPECIFIED" for f in facts.task_failures)
        read.task_failures["TIMED_OUT"] += sum(1 for t in facts.workflow_tasks
                                               if t.outcome == "timed_out")
        read.timed_out.update(a.activity_type for a in facts.activities
                              if a.outcome == "timed_out")
        read.sizes.append((facts.workflow_id, facts.run_id, facts.events,
                           facts.server_size_bytes or facts.size_bytes))
    return read


# --- backlog --------------------------------------------------------------------------------


def backlog_figures(run: RunFolder, hits: list[FaultHit]) -> dict[str, Any] | None:
    """Peak backlog per queue and, per fault, the backlog it built and its drain time."""
    samples, errors = read_samples(run)
    if not samples and not errors:
        return None
    per_fault = []
    for hit in hits:
        ended = hit.healed_at if hit.healed_at is not None else hit.injected_at
        per_fault.append({"fault_id": hit.fault_id, "fault": hit.fault, "target": hit.target,
                          "from": round(hit.injected_at, 3), "healed": round(ended, 3),
                          **drain(samples, hit.injected_at, ended)})
    drains = [f["drain_s"] for f in per_fault if f["drain_s"] is not None]
    return {"samples": len(samples), "sample_errors": errors,
            "max_workflow": max((s.workflow for s in samples), default=None),
            "max_activity": max((s.activity for s in samples), default=None),
            "drain_max_s": max(drains) if drains else None,
            "never_drained": sum(1 for f in per_fault if f["drained"] is False),
            "per_fault": per_fault}


# --- schedule-to-start ------------------------------------------------------------------------


def phase_of(t: float, hits: list[FaultHit]) -> str:
    """`before`, `during <id>` or `after <id>` for a moment of the run."""
    last = None
    for hit in hits:
        ended = hit.healed_at if hit.healed_at is not None else hit.injected_at
        if hit.injected_at <= t <= ended:
            return f"during {hit.fault_id}"
        if ended < t:
            last = hit
    return "before" if last is None else f"after {last.fault_id}"


def schedule_to_start_samples(samples: dict[str, dict[str, list[float]]],
                              facts: ExecutionFacts, hits: list[FaultHit]) -> None:
    """Add one execution's workflow and activity tasks' schedule-to-start latencies (s).

    An activity retried is left out: its history has the last attempt's start against the
    first attempt's scheduling, which measures the retries, not the queue.
    """
    for task in facts.workflow_tasks:
        value = task.schedule_to_start_s
        if value is not None and task.scheduled_t is not None:
            phase = samples.setdefault(phase_of(task.scheduled_t, hits), {})
            phase.setdefault("workflow", []).append(value)
    for act in facts.activities:
        value = act.schedule_to_start_s
        if value is not None and act.scheduled_t is not None and act.attempt == 1:
            phase = samples.setdefault(phase_of(act.scheduled_t, hits), {})
            phase.setdefault("activity", []).append(value)


def schedule_to_start(samples: dict[str, dict[str, list[float]]], hits: list[FaultHit]
                      ) -> dict[str, dict[str, Any]]:
    """Per phase, workflow and activity tasks' schedule-to-start latency (s)."""
    order = ["before"] + [f"{p} {h.fault_id}" for h in hits for p in ("during", "after")]
    out: dict[str, dict[str, Any]] = {}
    for phase in sorted(samples, key=lambda p: order.index(p) if p in order else len(order)):
        out[phase] = {kind: _seconds(Distribution.of(values))
                      for kind, values in sorted(samples[phase].items())}
    return out


def _seconds(dist: Distribution) -> dict[str, Any]:
    return {"count": dist.count, "p50_s": finite(dist.p50), "p95_s": finite(dist.p95),
            "max_s": finite(dist.max)}


# --- failures -----------------------------------------------------------------------------------


def workflow_task_failures(causes: Counter[str]) -> dict[str, int]:
    """Failed workflow tasks by cause (as the server recorded it), plus timed-out ones."""
    return {cause: n for cause, n in sorted(causes.items()) if n}


def activity_failures(run: RunFolder, timed_out: Counter[str]) -> dict[str, Any]:
    """Failed activity attempts by activity type: retryable or not, and by error type.

    Every attempt is in the attempt log; a history adds the activities whose last attempt
    timed out (a worker that died mid-attempt writes no failure of its own).
    """
    by_type: dict[str, dict[str, Any]] = {}

    def row(activity_type: str) -> dict[str, Any]:
        return by_type.setdefault(activity_type, {"failed_attempts": 0, "retryable": 0,
                                                  "non_retryable": 0, "timed_out": 0,
                                                  "errors": Counter()})

    # Streamed in each worker's own order (a large run's log is millions of lines): the
    # counts need every failed attempt, not the attempts merged by time.
    for attempt in paired(logged_events(run.workers_dir)):
        if attempt.outcome != "failed":
            continue
        entry = row(attempt.activity_type)
        entry["failed_attempts"] += 1
        entry["non_retryable" if attempt.non_retryable else "retryable"] += 1
        kind = attempt.error_type or str(attempt.error or "").partition(":")[0] or "unknown"
        entry["errors"][kind] += 1
    for activity_type, n in timed_out.items():
        row(activity_type)["timed_out"] += n
    totals = {key: sum(r[key] for r in by_type.values())
              for key in ("failed_attempts", "retryable", "non_retryable", "timed_out")}
    return {**totals, "by_type": {name: {**r, "errors": dict(r["errors"].most_common())}
                                  for name, r in sorted(by_type.items())}}


# --- history size -----------------------------------------------------------------------------


def history_figures(executions: list[tuple[str, str, int, int]]) -> dict[str, Any] | None:
    """Event count and size per execution (max, p95), and executions near the limits."""
    if not executions:
        return None
    lengths = Distribution.of(events for _, _, events, _ in executions)
    sizes = Distribution.of(size for _, _, _, size in executions)
    warnings = []
    for workflow_id, run_id, events, size in executions:
        for value, warn, error, what in ((events, HISTORY_COUNT_WARN, HISTORY_COUNT_ERROR,
                                          "events"),
                                         (size, HISTORY_SIZE_WARN, HISTORY_SIZE_ERROR,
                                          "bytes")):
            if value >= WARN_FRACTION * warn:
                warnings.append({"workflow_id": workflow_id, "run_id": run_id, what: value,
                                 "warn_at": warn, "terminated_at": error})
    return {"executions": len(executions), "length_max": lengths.max, "length_p95": lengths.p95,
            "size_max_bytes": sizes.max, "size_p95_bytes": sizes.p95,
            "limits": {"events_warn": HISTORY_COUNT_WARN, "events_error": HISTORY_COUNT_ERROR,
                       "bytes_warn": HISTORY_SIZE_WARN, "bytes_error": HISTORY_SIZE_ERROR},
            "warnings": warnings[:50]}


# --- workers and gRPC -------------------------------------------------------------------------


def worker_figures(run: RunFolder) -> dict[str, Any]:
    """Worker starts, restarts, crashes and kills (journal) and CPU/RSS (sampled)."""
    timed = timed_entries(run)
    driven = next((e["t"] for e in timed if e.get("kind") == "run"
                   and e.get("type") == "driven"), None)
    # Workers stopped after the drivers finished are the run ending, not a fault.
    entries = [e for e in timed if e.get("kind") == "worker"
               and (driven is None or e["t"] <= driven or e.get("type") != "kill")]
    events = Counter(str(e.get("type")) for e in entries)
    starts = [str(e.get("identity")) for e in entries if e.get("type") == "start"]
    restarts = sum(1 for identity in starts if not identity.endswith(".1"))
    resources = run.read_json(RESOURCES_FILE) or {}
    return {"started": len(starts), "restarts": restarts, "crashes": events.get("crash", 0),
            "kills": events.get("kill", 0),
            "cpu_seconds": resources.get("cpu_seconds"),
            "cpu_cores": resources.get("cpu_cores"),
            "rss_peak_mb": resources.get("rss_peak_mb")}


def grpc_errors(run: RunFolder) -> dict[str, dict[str, int]]:
    """gRPC status codes seen: by the harness's clients (journal), by the workers (their
    logs, as the SDK core reports failed calls) and by the backlog sampler."""
    clients: Counter[str] = Counter(str(e["grpc_code"]) for e in timed_entries(run)
                                    if e.get("kind") == "client" and e.get("grpc_code"))
    workers: Counter[str] = Counter()
    if run.workers_dir.is_dir():
        for log in sorted(run.workers_dir.glob("*.log")):
            text = log.read_text(encoding="utf-8", errors="replace")
            workers.update(upper_snake(code) for code in _CORE_CODE.findall(text))
    _, sampler = read_samples(run)
    return {"clients": dict(clients.most_common()), "workers": dict(workers.most_common()),
            "backlog_sampler": {k: v for k, v in sampler.items() if k != "NO_STATS"}}
