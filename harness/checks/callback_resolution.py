"""callback_resolution: every approval resolved exactly once, by the callback iff it was in time.

The truth about the callback is the services' ledger, not the workflow: the approver
records when it signalled (`callbacks`, outcome `sent`) and the request is an effect with
its time. A callback that arrived before request + timeout must decide the approval
(approved / rejected as sent); one that arrived later, or never, must leave it escalated.
Arrivals within `tolerance_s` of the deadline may go either way. An escalation must not
come early (result.waited >= timeout), and each approval notifies exactly once.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import latest, ledger_table, starts, workload_ids
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.runfolder import RunFolder

NAME = "callback_resolution"
WORKFLOW_TYPE = "Approval"
DECIDED = {"approve": "approved", "reject": "rejected"}


class CallbackResolutionOptions(BaseModel):
    model_config = {"extra": "forbid"}

    # Slack for clock rounding and scheduling around the timeout (seconds).
    tolerance_s: float = Field(default=0.25, ge=0)


def check(run: RunFolder, options: CallbackResolutionOptions | None = None) -> Verdict:
    options = options or CallbackResolutionOptions()
    inputs = starts(run, "approval")
    last = latest(run)
    approvals = workload_ids(run, "approval", WORKFLOW_TYPE)
    if not approvals:
        return unknown(NAME, "no approval ran")
    effects, callbacks = ledger_table(run, "effects"), ledger_table(run, "callbacks")
    if effects is None or callbacks is None:
        return unknown(NAME, "no ledger.json: callbacks and notifications cannot be seen")
    by_wid: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for effect in effects:
        by_wid[str(effect.get("workflow_id"))][f"{effect.get('service')}/{effect.get('op')}"] \
            .append(effect)
    for callback in callbacks:
        if callback.get("outcome") == "sent":
            by_wid[str(callback.get("workflow_id"))]["callback"].append(callback)
    rows: list[dict[str, Any]] = []
    judged = 0
    for wid in sorted(approvals):
        record = last.get(wid) or {}
        if record.get("status") != "COMPLETED" or not isinstance(record.get("result"), dict):
            continue  # not finished: liveness judges that
        judged += 1
        rows += [{"workflow_id": wid, **row, "history": record.get("history_file")}
                 for row in judge_one(record["result"], inputs.get(wid, {}), by_wid[wid],
                                      options.tolerance_s)]
    stats = {"approvals": len(approvals), "judged": judged, "violations": len(rows)}
    if rows:
        return failed(NAME, f"{len(rows)} resolution problems in "
                      f"{len({r['workflow_id'] for r in rows})} of {judged} approvals",
                      rows, **stats)
    if not judged:
        return unknown(NAME, f"{len(approvals)} approvals ran but none completed", **stats)
    return passed(NAME, f"{judged} approvals resolved exactly once, by their callback iff it "
                  "came before the timeout", **stats)


def judge_one(result: dict[str, Any], inputs: dict[str, Any],
              ledger: dict[str, list[dict[str, Any]]], tolerance: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    outcome = result.get("outcome")
    if int(result.get("callbacks") or 0) > 1:
        rows.append({"problem": "resolved more than once", "expected": "at most 1 callback",
                     "observed": f"{result.get('callbacks')} callbacks received"})
    notes = ledger["notifications/send"]
    if len(notes) != 1:
        rows.append({"problem": "notified", "expected": "exactly 1 notification",
                     "observed": f"{len(notes)} notifications",
                     "refs": [n.get("ref") for n in notes]})
    expected = expected_outcome(inputs, ledger, tolerance)
    if expected is not None and outcome not in expected:
        rows.append({"problem": "wrong resolution", "expected": " or ".join(sorted(expected)),
                     "observed": outcome, "decision": inputs.get("decision"),
                     "callback_delay": inputs.get("callback_delay"),
                     "timeout": inputs.get("timeout"), "callback": _arrival(ledger)})
    timeout = inputs.get("timeout")
    if outcome == "escalated" and timeout is not None \
            and float(result.get("waited") or 0) < float(timeout) - tolerance:
        rows.append({"problem": "escalated early", "expected": f"waited >= {timeout}s",
                     "observed": f"waited {result.get('waited')}s"})
    return rows


def expected_outcome(inputs: dict[str, Any], ledger: dict[str, list[dict[str, Any]]],
                     tolerance: float) -> set[str] | None:
    """The outcomes the evidence allows, or None when the timing cannot be judged."""
    sent = ledger["callback"]
    if not sent:
        return {"escalated"}  # the approver never answered (or its signal never landed)
    decided = DECIDED.get(str(sent[0].get("decision")))
    arrived = _arrival(ledger)
    timeout = inputs.get("timeout")
    if decided is None or arrived is None or timeout is None:
        return None
    if arrived < float(timeout) - tolerance:
        return {decided}
    if arrived > float(timeout) + tolerance:
        return {"escalated"}
    return {decided, "escalated"}


def _arrival(ledger: dict[str, list[dict[str, Any]]]) -> float | None:
    """Seconds from the request taking effect to the callback being sent."""
    requests, sent = ledger["approvals/request"], ledger["callback"]
    if not requests or not sent:
        return None
    return round(float(sent[0]["t"]) - float(requests[0]["t"]), 3)
