"""retries_bounded: bounded retries pass; a storm per step or per second fails; no dependency
fault, no ledger, or no request while degraded is unknown."""

from __future__ import annotations

from pathlib import Path

from harness.checks.retries import RetriesBoundedOptions, check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder


def degraded_run(tmp_path: Path, requests: int, spread: float = 4.0) -> RunBuilder:
    """payments degraded over [1010, 1014]; one order's charge sent `requests` requests."""
    b = RunBuilder(tmp_path).start("order-1")
    b.fault("dependency", t=1010.0, fault_id="f1", target="payments")
    for i in range(requests - 1):
        b.attempt("order-1", "charge", "payments", "charge", outcome="degraded",
                  t=1010.0 + spread * i / max(1, requests - 1))
    b.fault("dependency", t=1014.0, phase="heal", fault_id="f1", target="payments")
    return b.attempt("order-1", "charge", "payments", "charge", t=1014.5)


def test_a_few_spaced_retries_pass(tmp_path: Path) -> None:
    verdict = check(degraded_run(tmp_path, 6).build())
    assert verdict.status == Status.PASS, verdict.summary
    assert verdict.stats["max_requests_per_effect"] == 6


def test_too_many_requests_for_one_step_fail(tmp_path: Path) -> None:
    verdict = check(degraded_run(tmp_path, 12).build(), RetriesBoundedOptions(
        max_attempts_per_effect=10, max_request_rate=100))
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["ref"].endswith("order-1/charge")
    assert verdict.evidence[0]["requests_for_step"] == 12


def test_a_request_rate_over_the_limit_fails(tmp_path: Path) -> None:
    verdict = check(degraded_run(tmp_path, 9).build(), RetriesBoundedOptions(
        max_attempts_per_effect=50, max_request_rate=1.0))
    assert verdict.status == Status.FAIL
    # 8 requests in the 4 s window
    assert verdict.evidence[0]["requests_per_s_while_degraded"] == 2.0


def test_without_a_dependency_fault_it_is_unknown(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("order-1").attempt("order-1", "charge", "payments", "charge")
    assert check(b.build()).status == Status.UNKNOWN


def test_without_a_ledger_it_is_unknown(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("order-1").no_ledger()
    b.fault("dependency", t=1010.0, fault_id="f1", target="payments")
    b.fault("dependency", t=1012.0, phase="heal", fault_id="f1", target="payments")
    assert check(b.build()).status == Status.UNKNOWN


def test_a_degradation_nobody_called_is_unknown(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("order-1")
    b.fault("dependency", t=1010.0, fault_id="f1", target="payments")
    b.fault("dependency", t=1012.0, phase="heal", fault_id="f1", target="payments")
    b.attempt("order-1", "charge", "payments", "charge", t=1013.0)
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN
    assert "never exercised" in verdict.summary
