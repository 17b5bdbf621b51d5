"""liveness on stored run folders: pass, fail with evidence, unknown, indeterminate starts."""

from __future__ import annotations

from pathlib import Path

from harness.checks.liveness import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder


def test_pass_when_every_workflow_reached_its_expected_state(tmp_path: Path) -> None:
    run = (RunBuilder(tmp_path).start("a").workflow("a")
           .start("b", expect="FAILED").workflow("b", "FAILED").build())
    verdict = check(run)
    assert verdict.status == Status.PASS
    assert verdict.stats["workflows"] == 2


def test_fail_names_stragglers_with_status_last_event_and_history(tmp_path: Path) -> None:
    run = (RunBuilder(tmp_path).start("a").workflow("a", "RUNNING")
           .start("b").workflow("b", "FAILED", failure="boom").start("c").workflow("c").build())
    verdict = check(run)
    assert verdict.status == Status.FAIL
    rows = {row["workflow_id"]: row for row in verdict.evidence}
    assert set(rows) == {"r1/a", "r1/b"}
    assert rows["r1/a"]["observed"] == "RUNNING"
    assert rows["r1/a"]["history"].startswith("histories/r1__a__")
    assert rows["r1/a"]["last_event"]["type"].endswith("RUNNING")
    assert rows["r1/b"]["failure"] == "boom"


def test_expected_failure_that_completed_is_a_straggler(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).start("a", expect="FAILED").workflow("a").build()
    assert check(run).status == Status.FAIL


def test_missing_workflow_is_reported(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).start("a").build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["observed"] == "NOT FOUND"


def test_indeterminate_start_reconciled_by_id(tmp_path: Path) -> None:
    # "x" timed out on the client but exists in Temporal: it must finish like any other.
    # "y" timed out and never happened: not a straggler.
    run = (RunBuilder(tmp_path).start("x", outcome="info").workflow("x")
           .start("y", outcome="info").build())
    verdict = check(run)
    assert verdict.status == Status.PASS
    assert verdict.stats["indeterminate_starts"] == {"happened": 1, "did_not_happen": 1}
    run2 = (RunBuilder(tmp_path / "2").start("x", outcome="info").workflow("x", "RUNNING")
            .build())
    assert check(run2).status == Status.FAIL


def test_refused_start_is_not_a_straggler(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).start("a", outcome="fail").start("b").workflow("b").build()
    assert check(run).status == Status.PASS


def test_continue_as_new_chain_judged_by_its_last_run(tmp_path: Path) -> None:
    run = (RunBuilder(tmp_path).start("e")
           .workflow("e", "CONTINUED_AS_NEW", run="1", start_time="2026-01-01T00:00:00")
           .workflow("e", "COMPLETED", run="2", start_time="2026-01-01T00:00:05").build())
    assert check(run).status == Status.PASS


def test_unknown_when_nothing_was_started(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path).build()).status == Status.UNKNOWN


def test_unknown_when_the_run_was_not_collected(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).start("a").build()
    (run.path / "workflows.json").unlink()
    assert check(run).status == Status.UNKNOWN


def test_zero_judged_workflows_is_unknown_not_pass(tmp_path: Path) -> None:
    """Defect: every start refused read 'all 0 workflows reached their expected state'."""
    run = RunBuilder(tmp_path).start("a", outcome="fail").start("b", outcome="fail").build()
    verdict = check(run)
    assert verdict.status == Status.UNKNOWN
    assert verdict.stats["refused_starts"] == 2


def test_starts_cut_by_the_deadline_are_judged(tmp_path: Path) -> None:
    """Defect: starts the deadline cut were journaled but judged by no check."""
    b = RunBuilder(tmp_path).start("a").workflow("a")
    b.journal("run", type="deadline_cut", not_started={"order_saga": 7})
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN
    assert verdict.stats["not_started"] == 7 and "7 workflows never started" in verdict.summary


def test_driver_errors_are_judged(tmp_path: Path) -> None:
    """Defect: driver errors were journaled but judged by no check."""
    b = RunBuilder(tmp_path).start("a").workflow("a")
    b.journal("run", type="driver_error", error="RuntimeError('boom')")
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN
    assert "boom" in verdict.evidence[0]["observed"]


def test_a_straggler_still_fails_beside_unjudged_starts(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("a").workflow("a", "RUNNING")
    b.journal("run", type="deadline_cut", not_started={"order_saga": 1})
    assert check(b.build()).status == Status.FAIL


def test_a_run_never_collected_is_unknown(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).start("a").workflow("a").build()
    (run.path / "workflows.json").unlink()
    assert check(run).status == Status.UNKNOWN
