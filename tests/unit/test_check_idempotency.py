"""idempotency on stored run folders: exactly-once effects, duplicates counted, unknowns."""

from __future__ import annotations

from pathlib import Path

from harness.checks.idempotency import IdempotencyOptions, check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder


def order(b: RunBuilder, name: str = "o") -> RunBuilder:
    return (b.start(name, workload="order_saga").workflow(name)
            .attempt(name, "reserve", "inventory", "reserve")
            .attempt(name, "charge", "payments", "charge"))


def test_pass_when_each_step_took_effect_once_and_duplicates_were_absorbed(tmp_path: Path) -> None:
    run = order(RunBuilder(tmp_path)).attempt("o", "charge", "payments", "charge",
                                              outcome="duplicate").build()
    verdict = check(run, IdempotencyOptions(expect_duplicates=True))
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["duplicate_attempts"] == 1
    assert verdict.stats["duplicate_deliveries"] == 1


def test_fail_names_workflow_ref_missing_key_and_history(tmp_path: Path) -> None:
    run = (order(RunBuilder(tmp_path))
           .attempt("o", "charge", "payments", "charge", key=None)
           .attempt("o", "charge", "payments", "charge", key=None).build())
    verdict = check(run)
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["workflow_id"] == "r1/o"
    assert row["ref"] == "r1/o/charge"
    assert row["observed"].startswith("3 effects")
    assert "without an idempotency key" in row["why"]
    assert row["history"] == "histories/r1__o__run-1.json"


def test_duplicates_grouped_by_ref_even_when_keys_differ(tmp_path: Path) -> None:
    run = (order(RunBuilder(tmp_path))
           .attempt("o", "reserve", "inventory", "reserve", key="another-key").build())
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["ref"] == "r1/o/reserve"


def test_activity_re_executions_count_as_duplicate_deliveries(tmp_path: Path) -> None:
    b = order(RunBuilder(tmp_path))
    b.activity_event("worker-1.1", "started", "o", "2", "charge_payment")
    b.activity_event("worker-1.1", "injected", "o", "2", "charge_payment",
                     injection="lost_completion")
    b.activity_event("worker-1.1", "started", "o", "2", "charge_payment", attempt=2)
    verdict = check(b.build(), IdempotencyOptions(expect_duplicates=True))
    assert verdict.status == Status.PASS
    assert verdict.stats["activity_re_executions"] == 1


def test_unknown_when_duplicates_were_expected_but_none_happened(tmp_path: Path) -> None:
    run = order(RunBuilder(tmp_path)).build()
    assert check(run, IdempotencyOptions(expect_duplicates=True)).status == Status.UNKNOWN


def test_a_violation_fails_even_when_duplicates_were_expected_and_absent(tmp_path: Path) -> None:
    run = (order(RunBuilder(tmp_path)).attempt("o", "charge", "payments", "charge", key=None)
           .build())
    assert check(run, IdempotencyOptions(expect_duplicates=True)).status == Status.FAIL


def test_unknown_without_ledger_or_attempts(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").start("o").no_ledger().build()).status \
        == Status.UNKNOWN
    assert check(RunBuilder(tmp_path / "b").start("o").build()).status == Status.UNKNOWN


def test_rejected_and_noop_attempts_are_not_effects(tmp_path: Path) -> None:
    run = (RunBuilder(tmp_path).start("o").workflow("o", "FAILED")
           .attempt("o", "charge", "payments", "charge", outcome="rejected")
           .attempt("o", "refund", "payments", "refund", outcome="noop").build())
    assert check(run).status == Status.PASS
