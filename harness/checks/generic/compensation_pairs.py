"""compensation with `pairs`: any saga's compensations, judged from its history alone.

`pairs` maps each forward activity type to the activity type that undoes it. For every
execution that did not complete, each forward step that started (it completed, failed after
starting, or timed out: its effect may have happened) must have exactly one successful
compensation; the compensations must run in reverse order of their forward steps; a step
that never started must not be compensated. A completed execution must have none. This is
what catches a compensation registered after its step: the step that failed after taking
effect is the one left undone.
"""

from __future__ import annotations

from typing import Any

from harness.checks.facts import executions
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.history import ActivityFact, activities
from harness.runfolder import RunFolder

# Terminal statuses of an execution that did not complete: its saga had to undo its steps.
UNDONE = {"FAILED", "TERMINATED", "TIMED_OUT", "CANCELED"}


def check(run: RunFolder, name: str, pairs: dict[str, str]) -> Verdict:
    undo_of = dict(pairs)
    forward_of = {back: fwd for fwd, back in undo_of.items()}
    rows: list[dict[str, Any]] = []
    judged = completed = 0
    for wid, records in sorted(executions(run).items()):
        for record in records:
            history = record.get("history_file")
            if not history:
                continue
            acts = activities(run, history)
            if not any(a.activity_type in undo_of or a.activity_type in forward_of
                       for a in acts):
                continue
            status = record.get("status")
            where = {"workflow_id": wid, "run_id": record.get("run_id"), "status": status,
                     "history": history}
            if status == "COMPLETED":
                completed += 1
                rows += [{**where, **row} for row in _completed(acts, forward_of)]
            elif status in UNDONE:
                found, exercised = judge_saga(acts, undo_of, forward_of)
                judged += exercised
                rows += [{**where, "failure": record.get("failure"), **row} for row in found]
    stats = {"sagas_undone": judged, "sagas_completed": completed, "violations": len(rows),
             "pairs": undo_of}
    if rows:
        return failed(name, f"{len(rows)} compensation violations in "
                      f"{len({r['workflow_id'] for r in rows})} workflows", rows, **stats)
    if not judged:
        return unknown(name, "no execution ended without completing after a step of "
                       f"{sorted(undo_of)} started: compensation was never exercised", **stats)
    return passed(name, f"{judged} sagas that did not complete undid each started step once, "
                  f"in reverse order; {completed} completed sagas compensated nothing", **stats)


def _completed(acts: list[ActivityFact], forward_of: dict[str, str]) -> list[dict[str, Any]]:
    comps = [a for a in acts if a.activity_type in forward_of]
    return [{"step": forward_of[a.activity_type], "compensation": a.activity_type,
             "expected": "no compensation (the execution completed)",
             "observed": f"{a.activity_type} scheduled (activity {a.activity_id})"}
            for a in comps]


def judge_saga(acts: list[ActivityFact], undo_of: dict[str, str], forward_of: dict[str, str]
               ) -> tuple[list[dict[str, Any]], int]:
    """Problems of one execution that did not complete, and 1 if a forward step started."""
    rows: list[dict[str, Any]] = []
    started = [a for a in acts if a.activity_type in undo_of and _may_have_effect(a)]
    done = [a for a in acts if a.activity_type in forward_of and a.closed == "completed"]
    pending = list(done)
    matched: list[tuple[ActivityFact, ActivityFact]] = []
    for step in started:
        back = undo_of[step.activity_type]
        mine = [c for c in pending if c.activity_type == back]
        if not mine:
            rows.append({"step": step.activity_type, "compensation": back,
                         "expected": f"{step.activity_type} ({_how(step)}) undone by one "
                                     f"successful {back}",
                         "observed": f"{back} never completed: the effect of "
                                     f"{step.activity_type} is left in place"})
            continue
        pending.remove(mine[0])
        matched.append((step, mine[0]))
    for extra in pending:
        step = forward_of[extra.activity_type]
        ran = sum(1 for a in started if a.activity_type == step)
        observed = (f"{extra.activity_type} completed more often than {step} started"
                    if ran else f"{extra.activity_type} completed but {step} never started")
        rows.append({"step": step, "compensation": extra.activity_type,
                     "expected": f"one {extra.activity_type} per started {step}",
                     "observed": observed})
    order = [c.activity_type for _s, c in sorted(matched, key=lambda m: m[1].scheduled_event)]
    expected = [c.activity_type for _s, c in sorted(matched, key=lambda m: m[0].scheduled_event,
                                                    reverse=True)]
    if order != expected:
        rows.append({"step": "order", "compensation": None,
                     "expected": f"reverse order of the steps: {expected}",
                     "observed": f"ran as {order}"})
    return rows, int(bool(started))


def _may_have_effect(act: ActivityFact) -> bool:
    return act.started or act.closed in ("completed", "failed", "timed_out")


def _how(act: ActivityFact) -> str:
    if act.closed == "completed":
        return "completed"
    if act.closed is None:
        return "still open"
    return f"{act.closed} after starting" + (f": {act.failure}" if act.failure else "")
