"""compensation on stored run folders: LIFO, exactly once, conservation, unknown."""

from __future__ import annotations

from pathlib import Path

from harness.checks.compensation import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder

STOCK = {"qty": 2}
MONEY = {"amount": 25.0}


def saga(b: RunBuilder, name: str, status: str, steps: list[str]) -> RunBuilder:
    """An order saga with the given effects in order (reserve, charge, refund, release...)."""
    b.start(name, workload="order_saga", expect=status).workflow(name, status)
    where = {"reserve": ("inventory", STOCK), "release": ("inventory", STOCK),
             "charge": ("payments", MONEY), "refund": ("payments", MONEY)}
    for step in steps:
        service, data = where[step]
        b.attempt(name, step, service, step, data=data)
    return b


def test_pass_failed_saga_compensated_lifo_and_completed_saga_untouched(tmp_path: Path) -> None:
    b = saga(RunBuilder(tmp_path), "ok", "COMPLETED", ["reserve", "charge"])
    run = saga(b, "bad", "FAILED", ["reserve", "charge", "refund", "release"]).build()
    verdict = check(run)
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["conservation"]["money"]["charge_minus_refund"] == 25.0
    assert verdict.stats["conservation"]["stock"]["held_by_completed"] == 2.0


def test_fail_dangling_charge_names_workflow_step_and_history(tmp_path: Path) -> None:
    run = saga(RunBuilder(tmp_path), "bad", "FAILED", ["reserve", "charge", "release"]).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    rows = [r for r in verdict.evidence if r.get("step") == "charge"]
    assert rows and "dangling" in rows[0]["observed"]
    assert rows[0]["workflow_id"] == "r1/bad"
    assert rows[0]["history"] == "histories/r1__bad__run-1.json"
    money = [r for r in verdict.evidence if r.get("law") == "money"]
    assert money and money[0]["workflow_id"] == "r1/bad"


def test_fail_compensations_in_forward_order(tmp_path: Path) -> None:
    run = saga(RunBuilder(tmp_path), "bad", "FAILED",
               ["reserve", "charge", "release", "refund"]).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert any(r["step"] == "order" for r in verdict.evidence)


def test_fail_compensated_twice_or_compensating_nothing(tmp_path: Path) -> None:
    run = saga(RunBuilder(tmp_path), "bad", "FAILED",
               ["reserve", "release", "release", "refund"]).build()
    observed = {r["observed"] for r in check(run).evidence if "observed" in r}
    assert "release applied 2 times" in observed
    assert "refund applied to nothing" in observed


def test_fail_completed_saga_with_compensation(tmp_path: Path) -> None:
    run = saga(RunBuilder(tmp_path), "ok", "COMPLETED", ["reserve", "charge", "refund"]).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert any("no compensation" in r["expected"] for r in verdict.evidence)


def test_unknown_when_no_saga_failed_after_an_effect(tmp_path: Path) -> None:
    b = saga(RunBuilder(tmp_path), "ok", "COMPLETED", ["reserve", "charge"])
    run = saga(b, "early", "FAILED", []).attempt("early", "reserve", "inventory", "reserve",
                                                 outcome="rejected").build()
    verdict = check(run)
    assert verdict.status == Status.UNKNOWN
    assert verdict.stats["failed_after_effects"] == 0


def test_conservation_fails_even_when_compensation_is_unknown(tmp_path: Path) -> None:
    # A completed order charged twice (a non-idempotent charge): no failed saga to judge,
    # but money is not conserved.
    b = saga(RunBuilder(tmp_path), "ok", "COMPLETED", ["reserve", "charge"])
    run = b.attempt("ok", "charge", "payments", "charge", key=None, data=MONEY).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["law"] == "money" and row["workflow_id"] == "r1/ok"
    assert "charge 50" in row["observed"]


def test_running_sagas_are_in_flight_not_violations(tmp_path: Path) -> None:
    run = saga(RunBuilder(tmp_path), "slow", "RUNNING", ["reserve", "charge"]).build()
    verdict = check(run)
    assert verdict.status == Status.UNKNOWN
    assert verdict.stats["conservation"]["money"]["in_flight"] == 1


def test_unknown_without_sagas_or_ledger(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").build()).status == Status.UNKNOWN
    run = saga(RunBuilder(tmp_path / "b"), "bad", "FAILED", ["reserve"]).no_ledger().build()
    assert check(run).status == Status.UNKNOWN
