"""practices: common Temporal pitfalls, judged from the histories of any workflow.

- an activity scheduled with neither a start-to-close nor a schedule-to-close timeout (a
  lost worker is then never noticed);
- an activity that ran longer than `long_activity` without a heartbeat timeout (a crashed
  worker is noticed only at its start-to-close timeout);
- a payload above `max_payload_bytes` (Temporal rejects payloads over 2 MB, and large ones
  slow every replay);
- the same business error (an application error of one type and message) retried until the
  maximum attempts: it was never going to succeed, so it should be non-retryable;
- unbounded retries (no maximum attempts, no schedule-to-close) against an activity that kept
  failing `failing_attempts` times or more.
Evidence is grouped per activity type, with example workflows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import executions
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.durations import Duration
from harness.evidence.attempts import parse_event
from harness.evidence.history import ActivityFact, ExecutionFacts, execution
from harness.runfolder import RunFolder

NAME = "practices"
TEMPORAL_PAYLOAD_LIMIT = 2 * 1024 * 1024
UNBOUNDED = "unbounded retries of a failing activity"


class PracticesOptions(BaseModel):
    model_config = {"extra": "forbid"}

    long_activity: Duration = Field(10.0, gt=0)  # longer than this needs a heartbeat timeout
    max_payload_bytes: int = Field(512 * 1024, ge=1, le=TEMPORAL_PAYLOAD_LIMIT)
    failing_attempts: int = Field(5, ge=2)  # this many failures under unbounded retries


def check(run: RunFolder, options: PracticesOptions | None = None) -> Verdict:
    options = options or PracticesOptions()
    found: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    judged = 0
    still_open: list[tuple[str, str, ActivityFact]] = []  # retrying when the run ended
    for wid, records in sorted(executions(run).items()):
        for record in records:
            history = record.get("history_file")
            if not history:
                continue
            facts = execution(run, history, decode=False)  # no rule reads inputs or results
            if facts is None:
                continue
            for rule, kind, row in _workflow_payloads(facts, options):
                found[(rule, kind)].append({"workflow_id": wid, "history": history, **row})
            for act in facts.activities:
                judged += 1
                if act.closed is None and _unbounded(act):
                    still_open.append((wid, history, act))
                for rule, row in _pitfalls(act, options, None):
                    found[(rule, act.activity_type)].append(
                        {"workflow_id": wid, "history": history, "activity_id": act.activity_id,
                         **row})
    # History has no attempt number for an activity still retrying: the attempt log has.
    failures = _failed_attempts(run) if still_open else {}
    for wid, history, act in still_open:
        for rule, row in _pitfalls(act, options, failures.get((wid, act.activity_id))):
            if rule == UNBOUNDED:
                found[(rule, act.activity_type)].append(
                    {"workflow_id": wid, "history": history, "activity_id": act.activity_id,
                     **row})
    evidence = [{"rule": rule, "activity_type": kind, "occurrences": len(rows),
                 "workflow_ids": sorted({r["workflow_id"] for r in rows})[:10],
                 "example": rows[0]} for (rule, kind), rows in sorted(found.items())]
    stats = {"activities": judged, "pitfalls": len(evidence),
             "long_activity_s": options.long_activity,
             "max_payload_bytes": options.max_payload_bytes}
    if evidence:
        return failed(NAME, f"{len(evidence)} pitfalls: " + "; ".join(
            f"{e['rule']} ({e['activity_type']})" for e in evidence[:5]), evidence, **stats)
    if not judged:
        return unknown(NAME, "no activity in any stored history: nothing to judge", **stats)
    return passed(NAME, f"{judged} activities: timeouts set, long ones heartbeat, payloads "
                  "small, no business error retried to exhaustion, no endless failing retries",
                  **stats)


def _pitfalls(act: ActivityFact, options: PracticesOptions, failed_attempts: int | None
              ) -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    if act.start_to_close is None and act.schedule_to_close is None:
        found.append(("no timeout", {"expected": "a start-to-close or schedule-to-close "
                                     "timeout", "observed": "neither is set"}))
    ran = (act.closed_t - act.started_t) if act.closed_t and act.started_t else None
    if ran is not None and ran > options.long_activity and act.heartbeat_timeout is None:
        found.append(("long activity without heartbeat timeout", {
            "expected": f"a heartbeat timeout on an activity running over "
                        f"{options.long_activity:g}s",
            "observed": f"ran {ran:.1f}s with no heartbeat timeout"}))
    for what, size in (("input", act.input_bytes), ("result", act.result_bytes)):
        if size > options.max_payload_bytes:
            found.append(("payload too large", {
                "expected": f"{what} under {options.max_payload_bytes} bytes",
                "observed": f"{what} of {size} bytes"}))
    if _business_error_exhausted(act):
        found.append(("business error retried to exhaustion", {
            "expected": f"{act.failure_type} raised as non-retryable (it cannot succeed)",
            "observed": f"retried {act.attempt} times until maximum attempts: "
                        f"{act.failure}"}))
    failures = max(failed_attempts or 0, (act.attempt or 1) - 1 if act.last_failure else 0)
    if _unbounded(act) and failures >= options.failing_attempts:
        found.append((UNBOUNDED, {
            "expected": "maximum attempts or a schedule-to-close timeout on an activity that "
                        "keeps failing",
            "observed": f"failed {failures} times with retries unbounded"}))
    return found


def _unbounded(act: ActivityFact) -> bool:
    return act.maximum_attempts == 0 and act.schedule_to_close is None


def _business_error_exhausted(act: ActivityFact) -> bool:
    """The same application error on the last two attempts, retried until none were left."""
    return (act.closed == "failed" and act.retry_state == "RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED"
            and (act.attempt or 1) > 1 and act.failure_type is not None
            and (act.failure_type, act.failure) == (act.last_failure_type, act.last_failure))


def _failed_attempts(run: RunFolder) -> dict[tuple[str, str], int]:
    """Failed attempts per (workflow id, activity id), from the attempt log. Only `failed`
    lines are parsed: a large run's log has millions of lines, and a worker writes an
    attempt's `failed` after its `started`, so each one is one failed attempt."""
    counts: Counter[tuple[str, str]] = Counter()
    for line in run.attempt_log_lines(containing='"failed"'):
        event = parse_event(line)
        if event is not None and event.get("event") == "failed":
            counts[(str(event.get("workflow_id")), str(event.get("activity_id")))] += 1
    return dict(counts)


def _workflow_payloads(facts: ExecutionFacts, options: PracticesOptions
                       ) -> list[tuple[str, str, dict[str, Any]]]:
    """Oversized workflow inputs, results and signals, named like activity types."""
    sizes = [("workflow input", facts.input_bytes), ("workflow result", facts.result_bytes)]
    sizes += [(f"signal {s.name}", s.size_bytes) for s in facts.signals]
    return [("payload too large", what, {"expected": f"under {options.max_payload_bytes} bytes",
                                         "observed": f"{size} bytes"})
            for what, size in sizes if size > options.max_payload_bytes]
