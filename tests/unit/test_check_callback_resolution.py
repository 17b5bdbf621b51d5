"""callback_resolution on stored run folders: decided iff in time, escalated otherwise, once."""

from __future__ import annotations

from pathlib import Path

from harness.checks.callback_resolution import check
from harness.checks.verdict import Status
from harness.workloads.approval.model import SIGNAL
from tests.unit.runbuilder import RunBuilder


def approval(b: RunBuilder, name: str, decision: str, outcome: str, *, delay: float = 0.5,
             timeout: float = 2.0, sent_after: float | None = 0.5, waited: float = 0.6,
             callbacks: int = 1, notes: int = 1, result: dict | None = None) -> RunBuilder:
    """One approval as the evidence shows it: the request and callback in the ledger, the
    history's signals and notify step `waited` seconds after the start, the notifications."""
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
    b.activity_history(name, "run-1", [
        ("request_approval", [request], started + 0.01, "completed", started + 0.05),
        ("notify", [request, outcome], started + waited, "completed", started + waited + 0.01),
    ], inputs=[request], workflow_type="Approval", started_at=started,
        signals=[(SIGNAL, asked + (sent_after or 0))] * callbacks)
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
    b = approval(RunBuilder(tmp_path), "a", "approve", "escalated", delay=0, sent_after=0.0,
                 waited=3.1, callbacks=0)
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["workflow_id"] == "r1/a" and row["problem"] == "wrong resolution"
    assert (row["expected"], row["observed"]) == ("approved", "escalated")
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
                 waited=1.0, callbacks=2, result=lie)
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
