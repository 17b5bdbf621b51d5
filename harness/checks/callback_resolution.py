"""callback_resolution: every approval resolved exactly once, by the callback iff it was in time.

Facts come from the ledger and the stored histories, never from the workflow's result:
- how it resolved: the notification the workflow sent (`<wid>/notify/<outcome>` in the
  ledger), and that it sent exactly one;
- callbacks received: the signals in the workflow's histories;
- which came first, the callback or the timeout: the history's order of the callback
  signal (WorkflowExecutionSignaled) and the wait's timer firing (TimerFired). A signal
  that reached the workflow in an earlier workflow task than the timer's firing must
  decide the approval (approved / rejected as the signal says); a timer that fired in an
  earlier task must leave it escalated. When both land in one workflow task, the SDK
  applies signals before timer firings within one activation and checks the wait's
  condition in between (Python SDK 1.35 without its single-batch flag), so the callback
  must decide; with that flag recorded in the history either outcome is allowed. No
  callback signal in the history: escalated, whatever the approver's log says.
- only where the history cannot order them (no event ids or workflow tasks, several
  executions), the wall clock: the approver's own record of when it signalled
  (`callbacks`, outcome `sent`) against the request's effect time + timeout, with arrivals
  within `tolerance_s` of the deadline allowed either way. Server time is not the
  workflow's time: an outage delays the callback and the timer alike, so wall time alone
  would expect an escalation the workflow could not have made.
- how long it waited: from the execution's start to the notify step being scheduled, in
  its history (server time). An escalation must not come early.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import executions, latest, ledger_table, starts, workload_ids
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.history import ExecutionFacts, SignalFact, TimerFact, execution
from harness.runfolder import RunFolder
from harness.workloads.approval.model import SIGNAL

NAME = "callback_resolution"
WORKFLOW_TYPE = "Approval"
DECIDED = {"approve": "approved", "reject": "rejected"}
# The Python SDK's internal flag for "apply every job of an activation before running the
# workflow" (PROCESS_WORKFLOW_ACTIVATION_JOBS_AS_SINGLE_BATCH): with it, a timer firing in
# the same activation as a signal may win the wait.
SINGLE_BATCH_FLAG = 2


class CallbackResolutionOptions(BaseModel):
    model_config = {"extra": "forbid"}

    # Slack for clock rounding and scheduling around the timeout (seconds).
    tolerance_s: float = Field(default=0.25, ge=0)


def check(run: RunFolder, options: CallbackResolutionOptions | None = None) -> Verdict:
    options = options or CallbackResolutionOptions()
    inputs = starts(run, "approval")
    last, chains = latest(run), executions(run)
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
    judged, unseen = 0, []
    for wid in sorted(approvals):
        record = last.get(wid) or {}
        if record.get("status") != "COMPLETED":
            continue  # not finished: liveness judges that
        histories = [execution(run, r["history_file"]) for r in chains.get(wid, [])
                     if r.get("history_file")]
        if not histories or any(h is None for h in histories):
            unseen.append(wid)
            continue
        judged += 1
        rows += [{"workflow_id": wid, **row, "history": record.get("history_file")}
                 for row in judge_one([h for h in histories if h is not None],
                                      inputs.get(wid, {}), by_wid[wid], options.tolerance_s)]
    stats = {"approvals": len(approvals), "judged": judged, "violations": len(rows),
             "histories_missing": len(unseen)}
    if rows:
        return failed(NAME, f"{len(rows)} resolution problems in "
                      f"{len({r['workflow_id'] for r in rows})} of {judged} approvals",
                      rows, **stats)
    if unseen:
        return unknown(NAME, f"{len(unseen)} completed approvals have no stored history: "
                       "the callbacks they received cannot be seen",
                       [{"workflow_id": w} for w in unseen[:20]], **stats)
    if not judged:
        return unknown(NAME, f"{len(approvals)} approvals ran but none completed", **stats)
    return passed(NAME, f"{judged} approvals resolved exactly once, by their callback iff it "
                  "came before the timeout", **stats)


def judge_one(histories: list[ExecutionFacts], inputs: dict[str, Any],
              ledger: dict[str, list[dict[str, Any]]], tolerance: float) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    received = [s for h in histories for s in h.signals if s.name == SIGNAL]
    if len(received) > 1:
        rows.append({"problem": "resolved more than once", "expected": "at most 1 callback",
                     "observed": f"{len(received)} callbacks signalled (history)"})
    notes = ledger["notifications/send"]
    if len(notes) != 1:
        rows.append({"problem": "notified", "expected": "exactly 1 notification",
                     "observed": f"{len(notes)} notifications",
                     "refs": [n.get("ref") for n in notes]})
    outcomes = {str(n.get("ref", "")).rsplit("/notify/", 1)[-1] for n in notes
                if "/notify/" in str(n.get("ref", ""))}
    outcome = next(iter(outcomes)) if len(outcomes) == 1 else None
    decision = DECIDED.get(str(ledger["callback"][0].get("decision"))) \
        if ledger["callback"] else None
    expected, order = race(histories, decision)
    if expected is None:
        expected = expected_outcome(inputs, ledger, tolerance)
    if expected is not None and outcome is not None and outcome not in expected:
        rows.append({"problem": "wrong resolution", "expected": " or ".join(sorted(expected)),
                     "observed": outcome, "order": order, "decision": inputs.get("decision"),
                     "callback_delay": inputs.get("callback_delay"),
                     "timeout": inputs.get("timeout"), "callback": _arrival(ledger)})
    timeout = inputs.get("timeout")
    waited = _waited(histories)
    if outcome == "escalated" and timeout is not None and waited is not None \
            and waited < float(timeout) - tolerance:
        rows.append({"problem": "escalated early", "expected": f"waited >= {timeout}s",
                     "observed": f"notified {waited:.3f}s after the start (history)"})
    return rows


def _waited(histories: list[ExecutionFacts]) -> float | None:
    """Seconds from the first execution's start to the notify step (server time)."""
    start = histories[0].start_t
    notify = [a.scheduled_t for h in histories for a in h.activities
              if a.activity_type == "notify" and a.scheduled_t is not None]
    if start is None or not notify:
        return None
    return min(notify) - start


def race(histories: list[ExecutionFacts], decision: str | None
         ) -> tuple[set[str] | None, str]:
    """The outcomes the history allows, from the order in which the callback signal and
    the wait's timer firing reached the workflow, and that order in words; None when the
    history cannot order them (then the wall clock judges)."""
    if len(histories) != 1:
        return None, f"{len(histories)} executions: not ordered by history"
    history = histories[0]
    signals = [s for s in history.signals if s.name == SIGNAL]
    if not signals:
        return {"escalated"}, "no callback signal in the history"
    signal = signals[0]
    decided = _decided(signal) or decision
    if decided is None:
        return None, "the callback's decision cannot be read"
    wait = _wait_timer(history)
    if wait is None or wait.outcome != "fired":
        return {decided}, (f"callback signal (event {signal.event_id}); the wait's timer "
                           "never fired")
    boundaries = [t.started_event_id for t in history.workflow_tasks
                  if t.outcome == "completed" and t.started_event_id]
    if not signal.event_id or not wait.closed_event or not boundaries:
        return None, "events not ordered in the history"
    first, second = sorted((signal.event_id, wait.closed_event))
    same_task = not any(first < b < second for b in boundaries)
    where = (f"callback signal (event {signal.event_id}), wait's timer fired "
             f"(event {wait.closed_event})")
    if same_task and SINGLE_BATCH_FLAG in history.lang_flags:
        return {decided, "escalated"}, f"{where} in one workflow task (single-batch jobs)"
    if same_task:
        return {decided}, f"{where} in one workflow task: the signal is applied first"
    if signal.event_id < wait.closed_event:
        return {decided}, f"{where}: the signal reached the workflow first"
    return {"escalated"}, f"{where}: the timer fired first"


def _decided(signal: SignalFact) -> str | None:
    """approved / rejected as the callback's payload says (None: unreadable)."""
    payload = signal.args[0] if signal.args else None
    if not isinstance(payload, dict) or not isinstance(payload.get("approved"), bool):
        return None
    return "approved" if payload["approved"] else "rejected"


def _wait_timer(history: ExecutionFacts) -> TimerFact | None:
    """The wait's timer: the last timer started before the outcome's notify step (a
    version may sleep before it waits; the first notify of v2 acknowledges the request)."""
    notify = [a.scheduled_event for a in history.activities if a.activity_type == "notify"]
    last = max(notify) if notify else None
    timers = [t for t in history.timers if last is None or t.started_event < last]
    return timers[-1] if timers else None


def expected_outcome(inputs: dict[str, Any], ledger: dict[str, list[dict[str, Any]]],
                     tolerance: float) -> set[str] | None:
    """The outcomes the wall clock allows, or None when the timing cannot be judged."""
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
