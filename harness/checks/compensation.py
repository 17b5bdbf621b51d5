"""compensation: a saga that did not complete undid each step that took effect, once, LIFO.

Judged from the ledger, not from what the workflow says it compensated. For every order
saga that ended without completing (FAILED, TERMINATED, CANCELED, TIMED_OUT) after some
forward effect, each forward effect has exactly one compensating effect of the same
workflow, applied after it, and compensations ran in reverse order of their steps; a
COMPLETED saga has none. A compensation names the step it undoes (`for_ref` in its
request), so every compensated step is covered, not only a fixed list. A compensation sent
for a step that was never even attempted is a bug the services hide (they answer `noop`),
so it is found from the ledger's attempts. The conservation laws
(harness.checks.conservation) are judged over the whole ledger beside it.

When no saga ended after a forward effect without completing, the compensation half has
nothing to judge and the verdict is unknown, unless a law is broken, which fails any run.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from harness.checks import conservation
from harness.checks.facts import executions, latest, ledger_table, starts
from harness.checks.generic import compensation_pairs
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.history import execution
from harness.runfolder import RunFolder

NAME = "compensation"
WORKFLOW_TYPE = "OrderSaga"
UNDONE = {"FAILED", "TERMINATED", "CANCELED", "TIMED_OUT"}

# forward (service, op) -> its compensating op, for compensations sent without `for_ref`
PAIRS = (("inventory", "reserve", "release"), ("payments", "charge", "refund"))


class CompensationOptions(BaseModel):
    model_config = {"extra": "forbid"}

    # forward activity type -> the activity type that undoes it: judge any saga from its
    # histories (harness/checks/generic/compensation_pairs.py) instead of the order saga's
    # ledger.
    pairs: dict[str, str] | None = None


@dataclass(frozen=True)
class Pair:
    service: str
    take: str  # the forward op
    give_back: str  # its compensation


def check(run: RunFolder, options: CompensationOptions | None = None) -> Verdict:
    if options is not None and options.pairs:
        return compensation_pairs.check(run, NAME, options.pairs)
    effects, attempts = ledger_table(run, "effects"), ledger_table(run, "attempts")
    if effects is None or attempts is None:
        return unknown(NAME, "no ledger.json: the services' ledger was not collected")
    sagas = starts(run, "order_saga")
    if not sagas:
        return unknown(NAME, "no order saga ran, so there was nothing to compensate")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: how each saga ended cannot be seen")
    last = latest(run)
    pairs = known_pairs(attempts)
    mine_effects: dict[str, list[dict[str, Any]]] = defaultdict(list)
    mine_attempts: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for effect in effects:
        mine_effects[str(effect.get("workflow_id"))].append(effect)
    for attempt in attempts:
        mine_attempts[str(attempt.get("workflow_id"))].append(attempt)
    rows: list[dict[str, Any]] = []
    judged = 0
    for wid in sorted(sagas):
        record = last.get(wid) or {}
        status = record.get("status")
        if status not in UNDONE and status != "COMPLETED":
            continue  # still running or never found: liveness judges that
        forward = [e for e in mine_effects[wid] if any(_is(e, p.service, p.take) for p in pairs)]
        if status in UNDONE and forward:
            judged += 1
        rows += [{**row, "workflow_id": wid, "status": status,
                  "history": record.get("history_file"), "failure": record.get("failure")}
                 for row in judge_saga(mine_effects[wid], mine_attempts[wid], pairs,
                                       completed=status == "COMPLETED")]
    law_rows, totals = conservation.violations(effects, last, order_inputs(run))
    unpriced = sum(t.get("unpriced_count", 0) for t in totals.values())
    stats = {"sagas": len(sagas), "failed_after_effects": judged,
             "violations": len(rows) + len(law_rows), "conservation": totals}
    if rows or law_rows:
        return failed(NAME, f"{len(rows)} compensation and {len(law_rows)} conservation "
                      f"violations", rows + law_rows, **stats)
    if unpriced:
        return unknown(NAME, f"{unpriced} completed orders have no readable input in their "
                       "stored history: what they cost cannot be seen", **stats)
    if not judged:
        return unknown(NAME, "no order saga ended without completing after a step took "
                       "effect: compensation was never exercised (conservation holds)", **stats)
    return passed(NAME, f"{judged} sagas that did not complete undid each step once, in "
                  "reverse order; stock and money are conserved", **stats)


def known_pairs(attempts: list[dict[str, Any]]) -> list[Pair]:
    """The declared pairs plus every (forward, compensation) a request named by `for_ref`."""
    pairs = {Pair(s, t, g) for s, t, g in PAIRS}
    for attempt in attempts:
        body = attempt.get("body") if isinstance(attempt.get("body"), dict) else {}
        for_ref = body.get("for_ref")
        if isinstance(for_ref, str) and "/" in for_ref:
            step = for_ref.rsplit("/", 1)[1]
            pairs.add(Pair(str(attempt.get("service")), step, str(attempt.get("op"))))
    return sorted(pairs, key=lambda p: (p.service, p.take, p.give_back))


def order_inputs(run: RunFolder) -> dict[str, dict[str, Any]]:
    """Each order saga's input (the Order), from its first stored history."""
    found: dict[str, dict[str, Any]] = {}
    for wid, records in executions(run).items():
        first = records[0]
        if first.get("workflow_type") not in (None, WORKFLOW_TYPE) or not first.get(
                "history_file"):
            continue
        facts = execution(run, first["history_file"])
        if facts is not None and facts.args and isinstance(facts.args[0], dict):
            found[wid] = facts.args[0]
    return found


def judge_saga(effects: list[dict[str, Any]], attempts: list[dict[str, Any]],
               pairs: list[Pair], completed: bool) -> list[dict[str, Any]]:
    """Problems of one saga's compensations, given its effects and attempts in ledger order."""
    rows: list[dict[str, Any]] = []
    done: list[tuple[int, int, str]] = []  # (forward seq, compensation seq, name) when both
    for pair in pairs:
        fwd = [e for e in effects if _is(e, pair.service, pair.take)]
        comp = [e for e in effects if _is(e, pair.service, pair.give_back)]
        tried = [a for a in attempts if _is(a, pair.service, pair.take)]
        sent = [a for a in attempts if _is(a, pair.service, pair.give_back)]
        step = {"step": pair.take, "compensation": pair.give_back,
                "forward_seqs": [e.get("seq") for e in fwd],
                "compensation_seqs": [e.get("seq") for e in comp]}
        if completed:
            if comp:
                rows.append({**step, "expected": "no compensation (the order completed)",
                             "observed": f"{pair.give_back} applied {len(comp)} time(s)"})
            continue
        if sent and not tried:
            rows.append({**step, "expected": f"no {pair.give_back} ({pair.take} never ran)",
                         "observed": f"{pair.give_back} sent {len(sent)} time(s) for a step "
                                     f"never attempted (ledger outcomes "
                                     f"{sorted({str(a.get('outcome')) for a in sent})})",
                         "attempt_seqs": [a.get("seq") for a in sent]})
        if fwd and not comp:
            rows.append({**step, "expected": f"{pair.take} undone by one {pair.give_back}",
                         "observed": f"{pair.take} dangling: never compensated"})
        elif len(comp) > 1:
            rows.append({**step, "expected": f"one {pair.give_back}",
                         "observed": f"{pair.give_back} applied {len(comp)} times"})
        elif comp and not fwd:
            rows.append({**step, "expected": f"no {pair.give_back} ({pair.take} never took "
                                             "effect)",
                         "observed": f"{pair.give_back} applied to nothing"})
        elif comp and comp[0]["seq"] < fwd[0]["seq"]:
            rows.append({**step, "expected": f"{pair.give_back} after {pair.take}",
                         "observed": f"{pair.give_back} applied before {pair.take}"})
        if tried and sent:  # the order of compensations, noops included
            done.append((int(tried[0].get("seq") or 0), int(sent[0].get("seq") or 0),
                         pair.give_back))
    applied = [name for _f, _c, name in sorted(done, key=lambda d: d[1])]
    expected = [name for _f, _c, name in sorted(done, reverse=True)]
    if not completed and applied != expected:
        rows.append({"step": "order", "expected": f"reverse order {expected}",
                     "observed": f"compensated as {applied}",
                     "compensation_attempt_seqs": [c for _f, c, _n in done]})
    return rows


def _is(row: dict[str, Any], service: str, op: str) -> bool:
    return (row.get("service"), row.get("op")) == (service, op)
