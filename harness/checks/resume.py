"""resume_from_last_step: a workflow hit by a crash resumes where it was, not from the start.

For every workflow a crash hit (one with an activity attempt in flight on the worker that
died, every open one for a server restart, or the one whose activity a fault aimed at),
judged from history + ledger:
- steps whose activity the server had recorded completed before the fault are never
  attempted again after it (a replayed workflow must not re-run finished steps);
- the workflow went on to reach its expected terminal status (the step in flight was
  retried or completed; a step still open in a RUNNING workflow is named);
- the long pack activity resumed from its heartbeat checkpoint: after a fault, a retried
  pack attempt that starts again at item 0 although it was handed a checkpoint (the attempt
  log's `started_from`: what the server had recorded) lost its checkpoint. Items between the
  last heartbeat the server recorded and the crash may be packed again (the worker throttles
  heartbeats), so only a restart from zero is judged. A retry handed no checkpoint (the crash
  came before the first heartbeat reached the server, seen on a loaded cluster) rightly
  starts over: that restart is counted apart, not judged.
No crash in the run, none that landed on work in flight, or none whose workflow had a step
in flight in its history (nothing was resumed) is `unknown`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel

from harness.checks.crashes import Hit, crash_hits, hits_by_workflow
from harness.checks.facts import executions, latest, ledger_table, meets, starts
from harness.checks.generic import resume_history
from harness.checks.refs import REFERENCE_WORKLOADS, pack_item, refs_of
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.attempts import Attempt, attempt_events
from harness.evidence.attempts import attempts as activity_attempts
from harness.evidence.history import ActivityFact, activities
from harness.runfolder import Evidence, RunFolder

NAME = "resume_from_last_step"


class ResumeOptions(BaseModel):
    model_config = {"extra": "forbid"}

    # `ledger`: the reference workloads' ledger; `history`: any workflow, from histories and
    # the attempt log (harness/checks/generic/resume_history.py); `auto`: the ledger when a
    # reference workload ran or the ledger holds attempts, else history.
    evidence: Literal["auto", "ledger", "history"] = "auto"
    # How much work heartbeat details say is done: a field name (default `progress`, or the
    # details themselves when a number) or a function `package.module:NAME`.
    progress: str | None = None


def check(run: RunFolder, options: ResumeOptions | None = None) -> Verdict:
    options = options or ResumeOptions()
    if options.evidence == "history" or (options.evidence == "auto" and not _reference(run)):
        return resume_history.check(run, NAME, options.progress)
    crashes = crash_hits(run)
    if not crashes:
        return unknown(NAME, "no crash or restart happened in the run: resume was never tested")
    if not run.has(Evidence.ATTEMPT_LOG):
        return unknown(NAME, "no attempt log (workers/*.activities.jsonl): which workflows "
                       "a crash hit cannot be seen")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected")
    victims = hits_by_workflow(run, crashes)
    if not victims:
        return unknown(NAME, f"{len(crashes)} crashes landed while no workflow had work in "
                       "flight where they struck")
    attempts = ledger_table(run, "attempts")
    if attempts is None:
        return unknown(NAME, "no ledger.json: re-executed steps cannot be seen")
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for attempt in attempts:
        mine[str(attempt.get("workflow_id"))].append(attempt)
    packs: dict[str, list[Attempt]] = defaultdict(list)
    for tried in activity_attempts(attempt_events(run)):
        if tried.activity_type == "pack_order":
            packs[tried.workflow_id].append(tried)
    expected = {wid: s.get("expect", "COMPLETED") for wid, s in starts(run).items()}
    last, runs = latest(run), executions(run)
    rows: list[dict[str, Any]] = []
    judged = {"completed_steps": 0, "in_flight_steps": 0, "pack_resumes": 0,
              "pack_restarts_without_checkpoint": 0}
    for wid, hits in sorted(victims.items()):
        record = last.get(wid) or {}
        acts = [a for r in runs.get(wid, []) if r.get("history_file")
                for a in activities(run, r["history_file"])]
        found = _completed_not_repeated(wid, acts, mine[wid], hits, judged)
        found += _pack_resumed(wid, mine[wid], packs[wid], hits, judged)
        found += _finished(wid, record, expected.get(wid, "COMPLETED"), acts, hits, judged)
        rows += [{"workflow_id": wid, **row, "history": record.get("history_file")}
                 for row in found]
    stats = {"crashes": len(crashes), "workflows_hit": len(victims), **judged,
             "violations": len(rows)}
    if rows:
        return failed(NAME, f"{len(rows)} resume violations in "
                      f"{len({r['workflow_id'] for r in rows})} of {len(victims)} workflows "
                      f"hit by {len(crashes)} crashes", rows, **stats)
    if not judged["in_flight_steps"] and not judged["pack_resumes"]:
        return unknown(NAME, f"{len(crashes)} crashes hit {len(victims)} workflows but none had "
                       "a step in flight in their history at the time: resuming was never "
                       "put to the test", **stats)
    return passed(NAME, f"{len(victims)} workflows hit by {len(crashes)} crashes resumed from "
                  f"their last step ({judged['completed_steps']} finished steps not repeated, "
                  f"{judged['in_flight_steps']} in-flight steps resumed, "
                  f"{judged['pack_resumes']} checkpoint resumes)", **stats)


def _reference(run: RunFolder) -> bool:
    """Whether the run's steps called the reference services (so the ledger can judge)."""
    ran = {s.get("workload") for s in starts(run).values()}
    return bool(ran & REFERENCE_WORKLOADS) or bool(ledger_table(run, "attempts"))


def _completed_not_repeated(wid: str, acts: list[ActivityFact], attempts: list[dict[str, Any]],
                            hits: list[Hit], judged: dict[str, int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for hit in hits:
        for act in acts:
            if act.closed != "completed" or act.closed_t is None or act.closed_t >= hit.t:
                continue
            refs = refs_of(wid, act.activity_type, act.args)
            if not refs:
                continue
            judged["completed_steps"] += 1
            again = [a for a in attempts if a.get("ref") in refs and float(a["t"]) > hit.t
                     and a.get("ref") not in seen]
            for attempt in again:
                seen.add(attempt["ref"])
                rows.append({
                    "rule": "finished step repeated", "ref": attempt["ref"],
                    "step": act.activity_type, "fault": hit.describe(),
                    "expected": f"{act.activity_type} (completed at {act.closed_t:.3f}) "
                                f"not attempted after the fault",
                    "observed": f"attempted again at {float(attempt['t']):.3f} "
                                f"(ledger seq {attempt.get('seq')}, {attempt.get('outcome')})",
                })
    return rows


def _pack_resumed(wid: str, attempts: list[dict[str, Any]], tries: list[Attempt],
                  hits: list[Hit], judged: dict[str, int]) -> list[dict[str, Any]]:
    """Find pack restarts (the item index goes back) after the first fault on this workflow;
    a restart from zero is judged against the checkpoint its activity attempt was handed."""
    first_fault = min(h.t for h in hits)
    packs = sorted(((a, item) for a in attempts if (item := pack_item(a.get("ref"))) is not None),
                   key=lambda pair: pair[0].get("seq") or 0)
    rows: list[dict[str, Any]] = []
    packed: set[int] = set()
    previous: int | None = None
    for attempt, item in packs:
        restarted = previous is not None and item <= previous
        if restarted and float(attempt["t"]) > first_fault and packed and max(packed) >= 1:
            handed = _handed(tries, float(attempt["t"])) if item == 0 else None
            if item == 0 and not handed:
                # Handed nothing (or no attempt-log line shows what it was handed): the
                # server held no checkpoint, so starting over is what the code should do.
                judged["pack_restarts_without_checkpoint"] += 1
            else:
                judged["pack_resumes"] += 1
            if item == 0 and handed:
                hit = max((h for h in hits if h.t < float(attempt["t"])), key=lambda h: h.t)
                rows.append({
                    "rule": "checkpoint lost", "ref": attempt["ref"], "step": "pack_order",
                    "fault": hit.describe(),
                    "expected": f"resume from the heartbeat checkpoint it was handed ({handed} "
                                f"items packed; items 0..{max(packed)} were packed)",
                    "observed": f"restarted at item 0 (ledger seq {attempt.get('seq')})",
                })
        if attempt.get("outcome") in ("applied", "duplicate"):
            packed.add(item)
        previous = item
    return rows


def _handed(tries: list[Attempt], at: float) -> int | None:
    """Items packed per the checkpoint handed to the pack attempt running at `at` (the
    latest started by then), from the attempt log; None when no attempt or no checkpoint."""
    running = [a for a in tries if a.start <= at]
    if not running:
        return None
    details = max(running, key=lambda a: a.start).started_from
    first = details[0] if details else None
    packed = first.get("packed") if isinstance(first, dict) else None
    return packed if isinstance(packed, int) and not isinstance(packed, bool) else None


def _finished(wid: str, record: dict[str, Any], expect: Any, acts: list[ActivityFact],
              hits: list[Hit], judged: dict[str, int]) -> list[dict[str, Any]]:
    in_flight = [a for a in acts for h in hits
                 if a.scheduled_t is not None and a.scheduled_t <= h.t
                 and (a.closed_t is None or a.closed_t > h.t)]
    judged["in_flight_steps"] += len({a.activity_id for a in in_flight})
    status = record.get("status", "NOT FOUND")
    if meets(status, expect):
        return []
    still_open = sorted({a.activity_type for a in in_flight if a.closed is None})
    return [{
        "rule": "did not finish", "ref": None, "step": ", ".join(still_open) or None,
        "fault": hits[-1].describe(), "expected": expect,
        "observed": status + (f" with {still_open} still open since the fault"
                              if still_open else ""),
        "failure": record.get("failure"),
    }]
