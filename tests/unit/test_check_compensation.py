"""compensation on stored run folders: LIFO, exactly once, conservation, unknown."""

from __future__ import annotations

from pathlib import Path

from harness.checks.compensation import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder

STOCK = {"qty": 2}
MONEY = {"amount": 25.0}
ORDER = {"qty": 2, "amount": 25.0, "sku": "sku-1"}


def saga(b: RunBuilder, name: str, status: str, steps: list[str]) -> RunBuilder:
    """An order saga with the given effects in order (reserve, charge, refund, release...)."""
    b.start(name, workload="order_saga", expect=status).workflow(name, status,
                                                                 workflow_type="OrderSaga")
    b.activity_history(name, "run-1", [], inputs=[{**ORDER, "order_id": name}])
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


def test_compensation_of_a_step_never_attempted_fails(tmp_path: Path) -> None:
    """Defect: a compensation for a step that never ran (a `noop` attempt) was ignored."""
    b = saga(RunBuilder(tmp_path), "bad", "FAILED", ["reserve", "release"])
    run = b.attempt("bad", "refund", "payments", "refund", outcome="noop",
                    data={"for_ref": "r1/bad/charge", **MONEY}).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["step"] == "charge" and "never attempted" in row["observed"]


def test_a_rejected_step_compensated_as_noop_is_fine(tmp_path: Path) -> None:
    """Compensations are registered before their step: undoing a refused step is a noop."""
    b = saga(RunBuilder(tmp_path), "ok", "FAILED", ["reserve"])
    b.attempt("ok", "charge", "payments", "charge", outcome="rejected", data=MONEY)
    b.attempt("ok", "refund", "payments", "refund", outcome="noop",
              data={"for_ref": "r1/ok/charge", **MONEY})
    run = b.attempt("ok", "release", "inventory", "release", data=STOCK).build()
    assert check(run).status == Status.PASS


def test_terminated_canceled_and_timed_out_sagas_are_judged(tmp_path: Path) -> None:
    """Defect: sagas that ended TERMINATED, CANCELED or TIMED_OUT were ignored."""
    for status in ("TERMINATED", "CANCELED", "TIMED_OUT"):
        run = saga(RunBuilder(tmp_path / status), "bad", status, ["reserve", "charge",
                                                                  "release"]).build()
        verdict = check(run)
        assert verdict.status == Status.FAIL, status
        assert any(r.get("step") == "charge" and "dangling" in r.get("observed", "")
                   for r in verdict.evidence)


def test_every_compensated_step_is_covered_not_only_reserve_and_charge(tmp_path: Path) -> None:
    """Defect: only reserve and charge were covered; a compensation names its step."""
    b = saga(RunBuilder(tmp_path), "ok", "FAILED", ["reserve", "charge"])
    b.attempt("ok", "ship", "shipping", "ship", data={})
    b.attempt("ok", "unship", "shipping", "unship", data={"for_ref": "r1/ok/ship"})
    b.attempt("ok", "refund", "payments", "refund", data=MONEY)
    b.attempt("ok", "release", "inventory", "release", data=STOCK)
    b = saga(b, "bad", "FAILED", ["reserve", "charge"])
    b.attempt("bad", "ship", "shipping", "ship", data={})
    b.attempt("bad", "refund", "payments", "refund", data=MONEY)
    run = b.attempt("bad", "release", "inventory", "release", data=STOCK).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert [(r["workflow_id"], r["step"]) for r in verdict.evidence] == [("r1/bad", "ship")]


def test_conservation_uses_the_orders_price_not_the_charge(tmp_path: Path) -> None:
    """Defect: a completed order charged the wrong amount passed: the charge was its cost."""
    b = RunBuilder(tmp_path)
    b.start("ok", workload="order_saga").workflow("ok", "COMPLETED", workflow_type="OrderSaga")
    b.activity_history("ok", "run-1", [], inputs=[ORDER])
    b.attempt("ok", "reserve", "inventory", "reserve", data=STOCK)
    run = b.attempt("ok", "charge", "payments", "charge", data={"amount": 250.0}).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["law"] == "money" and "= 25" in row["expected"]


def test_a_completed_order_without_its_history_is_not_judged(tmp_path: Path) -> None:
    b = saga(RunBuilder(tmp_path), "bad", "FAILED", ["reserve", "charge", "refund", "release"])
    b.start("ok", workload="order_saga").workflow("ok", "COMPLETED")
    run = b.attempt("ok", "charge", "payments", "charge", data=MONEY).build()
    verdict = check(run)
    assert verdict.status == Status.UNKNOWN and "cannot be seen" in verdict.summary
