"""resume_from_last_step on stored run folders: finished steps not repeated, checkpoints kept."""

from __future__ import annotations

from pathlib import Path

from harness.checks.resume import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder, iso

ORDER = {"order_id": "order-0", "pack_items": 6}


def saga(tmp_path: Path, status: str = "COMPLETED", pack_open: bool = False) -> RunBuilder:
    """An order saga from t=1000 to 1020: reserve done at 1001, charge done at 1002, pack
    from 1002.5 (done at 1010 unless `pack_open`), ship done at 1011."""
    b = RunBuilder(tmp_path)
    b.start("o", workload="order_saga", t=1000.0)
    closed = None if status == "RUNNING" else iso(1020.0)
    b.workflow("o", status, start_time=iso(1000.0), close_time=closed)
    pack = ("pack_order", [ORDER], 1002.5, None, None) if pack_open \
        else ("pack_order", [ORDER], 1002.5, "completed", 1010.0)
    b.activity_history("o", "run-1", [
        ("reserve_inventory", [ORDER], 1000.1, "completed", 1001.0),
        ("charge_payment", [ORDER], 1001.1, "completed", 1002.0),
        pack,
        *([] if pack_open else [("ship_order", [ORDER], 1010.1, "completed", 1011.0)]),
    ])
    b.attempt("o", "reserve", "inventory", "reserve", t=1000.5)
    b.attempt("o", "charge", "payments", "charge", t=1001.5)
    for item in range(3):  # items 0..2 packed before the crash at 1004
        b.attempt("o", f"pack/{item}", "shipping", "pack", t=1003.0 + item * 0.1)
    return b


def finish_pack(b: RunBuilder, resume_at: int) -> RunBuilder:
    for item in range(resume_at, 6):
        outcome = "duplicate" if item < 3 else "applied"
        b.attempt("o", f"pack/{item}", "shipping", "pack", outcome=outcome, t=1006.0 + item * 0.1)
    return b.attempt("o", "ship", "shipping", "ship", t=1010.5)


def test_pass_crash_mid_pack_resumed_from_checkpoint(tmp_path: Path) -> None:
    b = saga(tmp_path).worker("kill", "worker-1.1", t=1004.0, signal="SIGKILL")
    verdict = check(finish_pack(b, resume_at=2).build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["completed_steps"] >= 2  # reserve and charge were not repeated
    assert verdict.stats["in_flight_steps"] == 1  # pack
    assert verdict.stats["pack_resumes"] == 1


def test_fail_pack_restarted_from_item_zero(tmp_path: Path) -> None:
    b = saga(tmp_path).worker("kill", "worker-1.1", t=1003.99, signal="SIGKILL")
    b.fault("worker_kill", t=1004.0, fault_id="f1", target="worker-1.1")
    verdict = check(finish_pack(b, resume_at=0).build())
    assert verdict.status == Status.FAIL
    assert verdict.stats["crashes"] == 1  # the supervisor's kill is that fault's kill
    (row,) = verdict.evidence
    assert row["rule"] == "checkpoint lost"
    assert row["workflow_id"] == "r1/o" and row["ref"] == "r1/o/pack/0"
    assert row["fault"]["fault_id"] == "f1"
    assert row["history"] == "histories/r1__o__run-1.json"


def test_fail_finished_step_attempted_again_after_the_crash(tmp_path: Path) -> None:
    b = saga(tmp_path).worker("crash", "worker-1.1", t=1004.0)
    b.attempt("o", "charge", "payments", "charge", outcome="duplicate", t=1005.0)
    verdict = check(finish_pack(b, resume_at=3).build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["rule"] == "finished step repeated" and row["ref"] == "r1/o/charge"
    assert row["step"] == "charge_payment"


def test_in_flight_step_retried_after_the_crash_is_fine(tmp_path: Path) -> None:
    # charge was in flight at 1001.8 (effect done, completion not yet recorded): its retry
    # is the point of resuming, not a repetition.
    b = saga(tmp_path).worker("kill", "worker-1.1", t=1001.8)
    b.attempt("o", "charge", "payments", "charge", outcome="duplicate", t=1001.9)
    assert check(finish_pack(b, resume_at=3).build()).status == Status.PASS


def test_fail_when_the_workflow_never_finished(tmp_path: Path) -> None:
    b = saga(tmp_path, status="RUNNING", pack_open=True).worker("kill", "worker-1.1", t=1004.0)
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["rule"] == "did not finish"
    assert "pack_order" in row["observed"] and row["expected"] == "COMPLETED"


def test_aimed_injection_hits_its_workflow(tmp_path: Path) -> None:
    b = saga(tmp_path)
    b.activity_event("worker-1.1", "injected", "o", "3", "pack_order", t=1004.0,
                     injection="crash_activity_started", fault_id="f1")
    verdict = check(finish_pack(b, resume_at=0).build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["fault"]["fault"] == "injected:crash_activity_started"


def test_unknown_without_a_crash(tmp_path: Path) -> None:
    verdict = check(finish_pack(saga(tmp_path), resume_at=3).build())
    assert verdict.status == Status.UNKNOWN


def test_armed_inject_and_end_of_run_shutdown_are_not_crashes(tmp_path: Path) -> None:
    b = saga(tmp_path).fault("worker_crash", t=1004.0, fault_id="f1", details={"armed": True})
    b = finish_pack(b, resume_at=0)
    b.journal("run", t=1030.0, type="driven").worker("kill", "worker-1.1", t=1031.0,
                                                      signal="SIGTERM")
    assert check(b.build()).status == Status.UNKNOWN


def test_unknown_when_the_crash_hit_no_open_workflow(tmp_path: Path) -> None:
    b = finish_pack(saga(tmp_path), resume_at=3).worker("kill", "worker-1.1", t=1025.0)
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN
