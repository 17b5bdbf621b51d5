"""entity_consistency on stored run folders: balances, indeterminate ops, double application."""

from __future__ import annotations

from pathlib import Path

from harness.checks.entity_consistency import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder


def account(b: RunBuilder, status: str = "COMPLETED", balance: int | None = 30) -> RunBuilder:
    """Deposit 50 (op0), withdraw 20 (op1), a refused withdrawal of 100 (op2)."""
    b.start("e", workload="entity")
    b.client("signal", "e", request_id="op0", amount=50)
    b.attempt("e", "entry/op0", "accounts", "entry", data={"amount": 50})
    b.attempt("e", "entry/op1", "accounts", "entry", data={"amount": -20})
    b.client("update", "e", request_id="op1", amount=-20, value=30)
    b.client("update", "e", outcome="fail", request_id="op2", amount=-100)
    result = {"account_id": "acct-0", "balance": balance, "applied": 2, "runs": 1}
    return b.workflow("e", status, workflow_type="AccountEntity",
                      **({"result": result} if status == "COMPLETED" else {}))


def test_pass_balance_is_the_sum_of_what_happened(tmp_path: Path) -> None:
    verdict = check(account(RunBuilder(tmp_path)).build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["operations"] == 3


def test_fail_request_id_applied_twice_names_account_and_history(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path), balance=80)
    b.client("signal", "e", request_id="op0", amount=50)  # the retry of op0
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["workflow_id"] == "r1/e" and row["problem"] == "balance"
    assert (row["expected"], row["observed"]) == (30, 80)
    assert row["request_ids_sent_more_than_once"] == ["op0"]
    assert row["history"] == "histories/r1__e__run-1.json"


def test_indeterminate_update_reconciled_with_the_ledger(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path), balance=20)
    b.client("update", "e", outcome="info", request_id="op3", amount=-10)
    b.attempt("e", "entry/op3", "accounts", "entry", data={"amount": -10})
    verdict = check(b.build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["reconciled"] == 1
    b2 = account(RunBuilder(tmp_path / "2"), balance=30)
    b2.client("update", "e", outcome="info", request_id="op3", amount=-10)
    assert check(b2.build()).status == Status.PASS  # never entered: never happened


def test_fail_refused_withdrawal_that_was_entered(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path)).attempt("e", "entry/op2", "accounts", "entry")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert {r["problem"] for r in verdict.evidence} >= {"refused but entered"}


def test_fail_two_ledger_entries_for_one_request_id(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path)).attempt("e", "entry/op0", "accounts", "entry", key="k2")
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert any(r["problem"] == "applied twice" and r["request_id"] == "op0"
               for r in verdict.evidence)


def test_running_account_judged_by_its_last_query(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path), status="RUNNING")
    b.client("query", "e", value=30)
    assert check(b.build()).status == Status.PASS
    b2 = account(RunBuilder(tmp_path / "2"), status="RUNNING")
    b2.client("query", "e", value=130)
    verdict = check(b2.build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["observed_from"] == "query"


def test_unknown_when_no_entity_ran_or_no_balance_was_seen(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").start("o", workload="order_saga").build()).status \
        == Status.UNKNOWN
    assert check(account(RunBuilder(tmp_path / "b"), status="RUNNING").build()).status \
        == Status.UNKNOWN


def test_indeterminate_operation_without_a_ledger_is_not_judged(tmp_path: Path) -> None:
    b = account(RunBuilder(tmp_path), balance=20)
    b.client("update", "e", outcome="info", request_id="op3", amount=-10)
    assert check(b.no_ledger().build()).status == Status.UNKNOWN
