"""resume_from_last_step on any workflow: judged from histories and the attempt log.

After a crash or restart:
- work that completed before it is not scheduled again: no activity of the same type and
  input, and no child of the same type and input under a new id, after the crash in the
  same workflow (a workflow that "starts over" re-runs finished steps);
- a heartbeating activity's retry resumes from its checkpoint: the progress of its first
  heartbeat is not less than the progress in the details it started from (the last
  heartbeat the server kept of the attempt that died; heartbeats the SDK throttled away
  before the crash may be redone, so that is the baseline, not the last one sent).
Progress is read from heartbeat details: a number, a `progress` field, a field named in the
check's `progress` option, or what a function named there (`package.module:NAME`) returns.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.checks.crashes import Hit, crash_hits, hits_by_workflow
from harness.checks.facts import executions, history_of
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.attempts import Attempt, attempt_events, attempts, by_activity
from harness.evidence.history import ActivityFact, ChildFact, execution
from harness.plugins import import_object, is_import_path
from harness.runfolder import Evidence, RunFolder

Progress = Callable[[list[Any]], float | None]


def check(run: RunFolder, name: str, progress: str | None = None) -> Verdict:
    # A lost completion or a hang is a duplicate delivery, not a crash: nothing restarted.
    crashes = [h for h in crash_hits(run)
               if not h.fault.startswith("injected:") or "crash" in h.fault]
    if not crashes:
        return unknown(name, "no crash or restart happened in the run: resume was never tested")
    if not run.has(Evidence.ATTEMPT_LOG):
        return unknown(name, "no attempt log (workers/*.activities.jsonl): which workflows "
                       "a crash hit and how retries resumed cannot be seen")
    victims = hits_by_workflow(run, crashes)
    judged = {"finished_steps": 0, "checkpoint_resumes": 0}
    rows: list[dict[str, Any]] = []
    runs = executions(run)
    for wid, hits in sorted(victims.items()):
        facts = [f for r in runs.get(wid, []) if r.get("history_file") and (
            f := execution(run, r["history_file"], wid, str(r.get("run_id") or ""))) is not None]
        acts = [a for f in facts for a in f.activities]
        kids = [c for f in facts for c in f.children]
        found = _redone(_activity_work(acts), hits, judged, "finished step scheduled again")
        found += _redone(_child_work(kids), hits, judged, "finished child restarted")
        rows += [{"workflow_id": wid, **row, "history": history_of(run, wid)} for row in found]
    reader = progress_reader(progress)
    for (wid, _run, _aid), tries in sorted(by_activity(attempts(attempt_events(run))).items()):
        found = _checkpoint_lost(tries, reader, judged)
        rows += [{"workflow_id": wid, **row, "history": history_of(run, wid)} for row in found]
    stats = {"crashes": len(crashes), "workflows_hit": len(victims), **judged,
             "violations": len(rows)}
    if rows:
        return failed(name, f"{len(rows)} resume violations in "
                      f"{len({r['workflow_id'] for r in rows})} workflows after "
                      f"{len(crashes)} crashes", rows, **stats)
    if not any(judged.values()):
        return unknown(name, f"{len(crashes)} crashes hit {len(victims)} workflows, but none "
                       "had a finished step or a checkpointed retry to judge", **stats)
    return passed(name, f"after {len(crashes)} crashes, {judged['finished_steps']} finished "
                  f"steps were not scheduled again and {judged['checkpoint_resumes']} retries "
                  "resumed from their checkpoint", **stats)


@dataclass(frozen=True)
class Work:
    """A finished-or-not piece of work, activity or child, as the rule needs it."""

    kind: str  # activity type or child workflow type
    name: str  # what identifies this execution of it: activity event, or child id
    args: str  # the input, canonical JSON
    done_t: float | None  # when it completed; None if it did not
    begun_t: float | None  # when it was scheduled (or the child initiated)


def _activity_work(acts: list[ActivityFact]) -> list[Work]:
    # Activity ids restart in each run of a workflow id: the run tells them apart.
    return [Work(a.activity_type, f"activity {a.activity_id} of run {a.run_id}",
                 _canonical(a.args),
                 a.closed_t if a.closed == "completed" else None, a.scheduled_t) for a in acts]


def _child_work(kids: list[ChildFact]) -> list[Work]:
    return [Work(c.workflow_type, f"child {c.workflow_id}", _canonical(c.args),
                 c.closed_t if c.outcome == "completed" else None, c.initiated_t) for c in kids]


def _canonical(args: list[Any]) -> str:
    return json.dumps(args, sort_keys=True, default=str)


def _redone(work: list[Work], hits: list[Hit], judged: dict[str, int], rule: str
            ) -> list[dict[str, Any]]:
    """Work completed before a crash that was begun again after it, with the same input."""
    rows: list[dict[str, Any]] = []
    for hit in hits:
        before = {(w.kind, w.args): w for w in work if w.done_t is not None and w.done_t < hit.t}
        judged["finished_steps"] += len(before)
        for again in work:
            first = before.get((again.kind, again.args))
            if first is None or again.name == first.name or again.begun_t is None \
                    or again.begun_t <= hit.t:
                continue
            rows.append({"rule": rule, "step": again.kind, "fault": hit.describe(),
                         "expected": f"{first.kind} ({first.name}, completed at "
                                     f"{first.done_t:.3f}) not begun again",
                         "observed": f"{again.name} begun at {again.begun_t:.3f} with the "
                                     "same input"})
    return rows


def _checkpoint_lost(tries: list[Attempt], reader: Progress, judged: dict[str, int]
                     ) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for index, attempt in enumerate(tries):
        if index == 0 or not attempt.started_from or not attempt.heartbeats:
            continue
        baseline = reader(attempt.started_from)
        reported = reader(_as_list(attempt.heartbeats[0][1]))
        if baseline is None or reported is None:
            continue
        judged["checkpoint_resumes"] += 1
        if reported < baseline:
            died = tries[index - 1]
            rows.append({
                "rule": "checkpoint lost", "step": attempt.activity_type,
                "activity_id": attempt.activity_id,
                "expected": f"attempt {attempt.attempt} resumes from progress {baseline:g} "
                            f"(the checkpoint it was handed)",
                "observed": f"attempt {attempt.attempt} reported progress {reported:g} in its "
                            "first heartbeat: it started over",
                "attempt_that_died": died.describe(), "retry": attempt.describe()})
    return rows


def _as_list(details: Any) -> list[Any]:
    return list(details) if isinstance(details, list) else [details]


def progress_reader(option: str | None) -> Progress:
    """How much work heartbeat details say is done, as a number (None: cannot tell)."""
    if option and is_import_path(option):
        fn = import_object(option)
        return lambda details: _number(fn(details))
    field = option or "progress"

    def read(details: list[Any]) -> float | None:
        if not details:
            return None
        first = details[0]
        if isinstance(first, dict):
            return _number(first.get(field))
        return _number(first)

    return read


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
