"""callback_resolution on stored run folders: decided iff in time, escalated otherwise, once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.checks.callback_resolution import check
from harness.checks.verdict import Status
from harness.workloads.approval.model import SIGNAL
from tests.unit.runbuilder import RunBuilder, _event_time, _payloads, history_file


def approval_history(b: RunBuilder, name: str, request: dict[str, Any], outcome: str,
                     started: float, waited: float, race: str, approved: bool,
                     signal_at: float, flags: tuple[int, ...] = ()) -> None:
    """The approval's history as the server writes it: the start, a workflow task, the
    request step, a task, the wait's timer, then `race` (tokens in history order: `signal`,
    `fired`, `canceled`, `|` for a completed workflow task between them), a task, the
    notify step, a task and the completion. Event ids count up from 1."""
    events: list[dict[str, Any]] = []

    def add(kind: str, t: float, **attrs: Any) -> int:
        eid = len(events) + 1
        key = "".join(w.title() for w in kind.lower().split("_"))
        events.append({"eventId": str(eid), "eventTime": _event_time(t),
                       "eventType": f"EVENT_TYPE_{kind}",
                       f"{key[0].lower()}{key[1:]}EventAttributes": attrs})
        return eid

    def task(t: float) -> None:
        scheduled = add("WORKFLOW_TASK_SCHEDULED", t)
        begun = add("WORKFLOW_TASK_STARTED", t, scheduledEventId=str(scheduled))
        add("WORKFLOW_TASK_COMPLETED", t, scheduledEventId=str(scheduled),
            startedEventId=str(begun), sdkMetadata={"langUsedFlags": list(flags)})

    def step(kind: str, args: list[Any], t: float) -> None:
        sid = add("ACTIVITY_TASK_SCHEDULED", t, activityId=kind, activityType={"name": kind},
                  input={"payloads": _payloads(args)})
        add("ACTIVITY_TASK_COMPLETED", t + 0.01, scheduledEventId=str(sid))

    add("WORKFLOW_EXECUTION_STARTED", started, workflowType={"name": "Approval"},
        input={"payloads": _payloads([request])})
    task(started)
    step("request_approval", [request], started + 0.01)
    task(started + 0.05)
    timer = add("TIMER_STARTED", started + 0.06, timerId="1",
                startToFireTimeout=f"{request['timeout']}s")
    for token in race.split():
        if token == "|":
            task(signal_at)
        elif token == "signal":
            payload = {"approved": approved, "approver": "a", "request_key": "k",
                       "sent_at": signal_at}
            add("WORKFLOW_EXECUTION_SIGNALED", signal_at, signalName=SIGNAL,
                input={"payloads": _payloads([payload])})
        else:
            add(f"TIMER_{token.upper()}", started + request["timeout"],
                timerId="1", startedEventId=str(timer))
    task(started + waited)
    step("notify", [request, outcome], started + waited)
    task(started + waited + 0.02)
    add("WORKFLOW_EXECUTION_COMPLETED", started + waited + 0.03)
    b.histories[history_file(b.wid(name), "run-1")] = json.dumps({"events": events})


def approval(b: RunBuilder, name: str, decision: str, outcome: str, *, delay: float = 0.5,
             timeout: float = 2.0, sent_after: float | None = 0.5, waited: float = 0.6,
             callbacks: int = 1, notes: int = 1, result: dict | None = None,
             race: str | None = None, flags: tuple[int, ...] = ()) -> RunBuilder:
    """One approval as the evidence shows it: the request and callback in the ledger, the
    history's wait, signals and notify step `waited` seconds after the start, the
    notifications. `race` orders the callback signals and the wait's timer in the history
    (see approval_history); by default from the wall-clock times, a task apart."""
    b.start(name, workload="approval", decision=decision, callback_delay=delay, timeout=timeout)
    started = b.t
    b.attempt(name, "request", "approvals", "request", t=b.t + 0.1)
    asked = b.t
    if sent_after is not None:
        b.callback(name, decision, t=asked + sent_after)
    for _ in range(notes):
        b.attempt(name, f"notify/{outcome}", "notifications", "send", key=None)
    request = {"request_id": name, "decision": decision, "callback_delay": delay,
               "timeout": timeout}
    if race is None:
        signals = " ".join(["signal"] * callbacks)
        if not callbacks:
            race = "fired"
        elif (sent_after or 0) < timeout:
            race = f"{signals} | canceled"
        else:
            race = f"fired | {signals}"
    approval_history(b, name, request, outcome, started, waited, race,
                     decision == "approve", asked + (sent_after or 0), flags)
    # What the workflow says about itself; the check must not believe it.
    said = result or {"request_id": name, "outcome": outcome, "waited": waited,
                      "callbacks": callbacks}
    return b.workflow(name, workflow_type="Approval", result=said)


def test_pass_approved_rejected_and_escalated(tmp_path: Path) -> None:
    b = approval(RunBuilder(tmp_path), "a", "approve", "approved")
    b = approval(b, "r", "reject", "rejected")
    b = approval(b, "n", "never", "escalated", sent_after=None, waited=2.1, callbacks=0)
    b = approval(b, "late", "approve", "escalated", delay=5, sent_after=5.0, waited=2.1,
                 callbacks=0)
    verdict = check(b.build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["judged"] == 4


def test_fail_early_callback_lost_names_workflow_timing_and_history(tmp_path: Path) -> None:
    """The mutant's shape: the signal reached the workflow (it is in the history) a task
    before the wait's timer fired, and the handler dropped it."""
    b = approval(RunBuilder(tmp_path), "a", "approve", "escalated", delay=0, sent_after=0.0,
                 waited=2.1, race="signal | fired")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["workflow_id"] == "r1/a" and row["problem"] == "wrong resolution"
    assert (row["expected"], row["observed"]) == ("approved", "escalated")
    assert "the signal reached the workflow first" in row["order"]
    assert row["callback"] == 0.0
    assert row["history"] == "histories/r1__a__run-1.json"


def test_fail_resolved_twice_and_notified_twice(tmp_path: Path) -> None:
    b = approval(RunBuilder(tmp_path), "a", "approve", "approved", callbacks=2, notes=2)
    problems = {r["problem"] for r in check(b.build()).evidence}
    assert problems == {"resolved more than once", "notified"}


def test_fail_escalation_timer_fired_early(tmp_path: Path) -> None:
    b = approval(RunBuilder(tmp_path), "n", "never", "escalated", sent_after=None, waited=1.0,
                 callbacks=0)
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["problem"] == "escalated early"


def test_fail_decided_by_a_callback_that_came_after_the_timeout(tmp_path: Path) -> None:
    b = approval(RunBuilder(tmp_path), "late", "approve", "approved", delay=5, sent_after=5.0)
    assert check(b.build()).status == Status.FAIL


def test_arrival_at_the_deadline_may_go_either_way(tmp_path: Path) -> None:
    b = approval(RunBuilder(tmp_path), "edge", "approve", "escalated", delay=2, sent_after=2.1,
                 waited=2.05, callbacks=0)
    assert check(b.build()).status == Status.PASS


def test_unknown_when_no_approval_ran_or_none_completed(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").build()).status == Status.UNKNOWN
    b = RunBuilder(tmp_path / "b").start("a", workload="approval", decision="approve",
                                         callback_delay=0, timeout=2)
    assert check(b.workflow("a", "RUNNING", workflow_type="Approval").build()).status \
        == Status.UNKNOWN


def test_the_workflows_own_result_is_not_believed(tmp_path: Path) -> None:
    """Defect: result.callbacks and result.waited were trusted. A result claiming one
    callback and a long wait hides two signals and an early escalation in the history."""
    lie = {"request_id": "n", "outcome": "escalated", "waited": 9.0, "callbacks": 1}
    b = approval(RunBuilder(tmp_path), "n", "never", "escalated", sent_after=None,
                 waited=1.0, callbacks=2, result=lie, race="fired | signal signal")
    problems = {r["problem"] for r in check(b.build()).evidence}
    assert problems == {"resolved more than once", "escalated early"}


def test_the_outcome_comes_from_the_notification_not_the_result(tmp_path: Path) -> None:
    lie = {"request_id": "a", "outcome": "approved", "waited": 0.6, "callbacks": 1}
    b = approval(RunBuilder(tmp_path), "a", "approve", "escalated", result=lie)
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["observed"] == "escalated"


def test_missing_history_is_unknown_not_pass(tmp_path: Path) -> None:
    run = approval(RunBuilder(tmp_path), "a", "approve", "approved").build()
    for path in (run.path / "histories").iterdir():
        path.unlink()
    assert check(run).status == Status.UNKNOWN


def test_an_outage_delaying_callback_and_timer_past_the_timeout_is_judged_by_history(
        tmp_path: Path) -> None:
    """Defect: the wall clock expected an escalation when a server outage delayed both the
    callback (sent 3 s after the request, timeout 2 s) and the timer's firing. The history
    shows the signal reaching the workflow a task before the timer fired: approved is right,
    escalated is wrong."""
    b = approval(RunBuilder(tmp_path / "ok"), "a", "approve", "approved", sent_after=3.0,
                 waited=3.2, race="signal | fired")
    assert check(b.build()).status == Status.PASS
    b = approval(RunBuilder(tmp_path / "bad"), "a", "approve", "escalated", sent_after=3.0,
                 waited=3.2, race="signal | fired")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert (verdict.evidence[0]["expected"], verdict.evidence[0]["observed"]) \
        == ("approved", "escalated")


def test_a_timer_that_fired_a_task_before_an_early_sent_callback_must_escalate(
        tmp_path: Path) -> None:
    """The approver sent in time by its clock (0.5 s of 2 s) but the signal reached the
    workflow only after the timer had fired (e.g. stalled on its way): escalated is right."""
    b = approval(RunBuilder(tmp_path / "ok"), "a", "approve", "escalated", waited=2.1,
                 race="fired | signal")
    assert check(b.build()).status == Status.PASS
    b = approval(RunBuilder(tmp_path / "bad"), "a", "approve", "approved", waited=2.1,
                 race="fired | signal")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert "the timer fired first" in verdict.evidence[0]["order"]


def test_signal_and_timer_in_one_workflow_task_the_signal_decides(tmp_path: Path) -> None:
    """Both landed before one workflow task (no task between them, whichever came first in
    the history): the SDK applies the signal and checks the wait before the timer fires."""
    for race in ("signal fired", "fired signal"):
        b = approval(RunBuilder(tmp_path / race.replace(" ", "-")), "a", "reject", "rejected",
                     sent_after=2.0, waited=2.1, race=race)
        assert check(b.build()).status == Status.PASS, race
        b = approval(RunBuilder(tmp_path / f"bad-{race.replace(' ', '-')}"), "a", "reject",
                     "escalated", sent_after=2.0, waited=2.1, race=race)
        verdict = check(b.build())
        assert verdict.status == Status.FAIL, race
        assert "in one workflow task" in verdict.evidence[0]["order"]


def test_one_workflow_task_with_the_single_batch_flag_may_go_either_way(
        tmp_path: Path) -> None:
    """With the SDK's single-batch flag recorded, a timer firing in the signal's activation
    can win the wait: either outcome is allowed."""
    for outcome in ("approved", "escalated"):
        b = approval(RunBuilder(tmp_path / outcome), "a", "approve", outcome, sent_after=2.0,
                     waited=2.1, race="fired signal", flags=(1, 2))
        assert check(b.build()).status == Status.PASS, outcome


def test_the_decision_comes_from_the_signal_in_the_history(tmp_path: Path) -> None:
    """The approver's log says approve, the signal that reached the workflow says reject
    (approved: false): rejected is right."""
    b = approval(RunBuilder(tmp_path), "a", "approve", "approved")
    run = b.build()
    path = next((run.path / "histories").iterdir())
    events = json.loads(path.read_text())["events"]
    signal = next(e for e in events if e["eventType"].endswith("SIGNALED"))
    signal["workflowExecutionSignaledEventAttributes"]["input"]["payloads"] = _payloads(
        [{"approved": False}])
    path.write_text(json.dumps({"events": events}))
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert (verdict.evidence[0]["expected"], verdict.evidence[0]["observed"]) \
        == ("rejected", "approved")


def test_a_sent_callback_that_never_reached_the_history_leaves_it_escalated(
        tmp_path: Path) -> None:
    """The approver logged a callback sent in time, but no signal is in the history: the
    workflow could not have seen it, so escalated is right and approved is not."""
    b = approval(RunBuilder(tmp_path / "ok"), "a", "approve", "escalated", waited=2.1,
                 callbacks=0)
    assert check(b.build()).status == Status.PASS
    b = approval(RunBuilder(tmp_path / "bad"), "a", "approve", "approved", callbacks=0,
                 race="fired")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["order"] == "no callback signal in the history"


def test_the_wall_clock_judges_when_the_history_cannot_order_them(tmp_path: Path) -> None:
    """A history without workflow tasks (nothing to tell activations apart): the approver's
    sent time against the timeout decides, as before."""
    b = approval(RunBuilder(tmp_path), "late", "approve", "approved", sent_after=5.0,
                 waited=5.1, race="fired | signal")
    run = b.build()
    path = next((run.path / "histories").iterdir())
    events = [e for e in json.loads(path.read_text())["events"]
              if "WORKFLOW_TASK" not in e["eventType"]]
    path.write_text(json.dumps({"events": events}))
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["order"] == "events not ordered in the history"
    assert verdict.evidence[0]["expected"] == "escalated"
