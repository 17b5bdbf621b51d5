"""compensation: a failed order saga undid each step that took effect, once, LIFO.

Judged from the ledger, not from what the workflow says it compensated: for every order
saga that FAILED after some forward effect, each forward effect (reserve, charge) has
exactly one compensating effect (release, refund) of the same workflow, applied after it
and in reverse order; a COMPLETED saga has none. The conservation laws
(harness.checks.conservation) are judged over the whole ledger beside it.

When no saga failed after a forward effect, the compensation half has nothing to judge and
the verdict is unknown, unless conservation is violated, which is a failure in any run.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel

from harness.checks import conservation
from harness.checks.facts import latest, ledger_table, starts
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.runfolder import RunFolder

NAME = "compensation"

# forward (service, op) -> its compensating op, in the order the saga runs the steps
PAIRS = (("inventory", "reserve", "release"), ("payments", "charge", "refund"))


class CompensationOptions(BaseModel):
    model_config = {"extra": "forbid"}


def check(run: RunFolder, options: CompensationOptions | None = None) -> Verdict:
    effects = ledger_table(run, "effects")
    if effects is None:
        return unknown(NAME, "no ledger.json: the services' ledger was not collected")
    sagas = starts(run, "order_saga")
    if not sagas:
        return unknown(NAME, "no order saga ran, so there was nothing to compensate")
    last = latest(run)
    mine: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for effect in effects:
        mine[str(effect.get("workflow_id"))].append(effect)
    rows: list[dict[str, Any]] = []
    judged = 0
    for wid in sorted(sagas):
        record = last.get(wid) or {}
        status = record.get("status")
        forward = [e for e in mine[wid] if _is_forward(e)]
        if status == "FAILED" and forward:
            judged += 1
        if status in ("FAILED", "COMPLETED"):
            rows += [{**row, "workflow_id": wid, "status": status,
                      "history": record.get("history_file"), "failure": record.get("failure")}
                     for row in judge_saga(mine[wid], completed=status == "COMPLETED")]
    law_rows, totals = conservation.violations(effects, last)
    stats = {"sagas": len(sagas), "failed_after_effects": judged,
             "violations": len(rows) + len(law_rows), "conservation": totals}
    if rows or law_rows:
        return failed(NAME, f"{len(rows)} compensation and {len(law_rows)} conservation "
                      f"violations", rows + law_rows, **stats)
    if not judged:
        return unknown(NAME, "no order saga failed after a step took effect: compensation was "
                       "never exercised (conservation holds)", **stats)
    return passed(NAME, f"{judged} failed sagas undid each step once, in reverse order; "
                  "stock and money are conserved", **stats)


def judge_saga(effects: list[dict[str, Any]], completed: bool) -> list[dict[str, Any]]:
    """Problems of one saga's compensations, given its effects in ledger order."""
    rows: list[dict[str, Any]] = []
    done: list[tuple[int, int, str]] = []  # (forward seq, compensation seq, step) when both
    for service, take, give_back in PAIRS:
        fwd = [e for e in effects if (e.get("service"), e.get("op")) == (service, take)]
        comp = [e for e in effects if (e.get("service"), e.get("op")) == (service, give_back)]
        step = {"step": take, "compensation": give_back,
                "forward_seqs": [e.get("seq") for e in fwd],
                "compensation_seqs": [e.get("seq") for e in comp]}
        if completed:
            if comp:
                rows.append({**step, "expected": "no compensation (the order completed)",
                             "observed": f"{give_back} applied {len(comp)} time(s)"})
            continue
        if fwd and not comp:
            rows.append({**step, "expected": f"{take} undone by one {give_back}",
                         "observed": f"{take} dangling: never compensated"})
        elif len(comp) > 1:
            rows.append({**step, "expected": f"one {give_back}",
                         "observed": f"{give_back} applied {len(comp)} times"})
        elif comp and not fwd:
            rows.append({**step, "expected": f"no {give_back} ({take} never took effect)",
                         "observed": f"{give_back} applied to nothing"})
        elif comp and comp[0]["seq"] < fwd[0]["seq"]:
            rows.append({**step, "expected": f"{give_back} after {take}",
                         "observed": f"{give_back} applied before {take}"})
        elif comp:
            done.append((fwd[0]["seq"], comp[0]["seq"], give_back))
    applied = [name for _f, _c, name in sorted(done, key=lambda d: d[1])]
    expected = [name for _f, _c, name in sorted(done, reverse=True)]
    if applied != expected:
        rows.append({"step": "order", "expected": f"reverse order {expected}",
                     "observed": f"applied as {applied}",
                     "compensation_seqs": [c for _f, c, _n in done]})
    return rows


def _is_forward(effect: dict[str, Any]) -> bool:
    key = (effect.get("service"), effect.get("op"))
    return any(key == (service, take) for service, take, _back in PAIRS)
