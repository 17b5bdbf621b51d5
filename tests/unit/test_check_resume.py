"""resume_from_last_step on stored run folders: finished steps not repeated, checkpoints kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.checks.resume import check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder, iso

ORDER = {"order_id": "order-0", "pack_items": 6}


STEPS = [("reserve_inventory", "1", 1000.1, 1001.0), ("charge_payment", "2", 1001.1, 1002.0),
         ("pack_order", "3", 1002.5, 1010.0), ("ship_order", "4", 1010.1, 1011.0)]


HANDED = [{"packed": 2}]  # the checkpoint the server had recorded when the worker died


def attempt_log(b: RunBuilder, kill_at: float | None, pack_open: bool = False,
                handed: list[Any] = HANDED) -> None:
    """The workers' attempt log: steps ran on worker-1.1 until it died at `kill_at`; the step
    in flight then was retried on worker-1.2 (handed `handed` as its heartbeat details),
    and later steps ran there."""
    for kind, aid, start, end in STEPS:
        done = not (pack_open and kind in ("pack_order", "ship_order"))
        if kind == "ship_order" and not done:
            continue
        if kill_at is None or end <= kill_at:
            b.activity_event("worker-1.1", "started", "o", aid, kind, t=start)
            b.activity_event("worker-1.1", "completed", "o", aid, kind, t=end)
        elif start <= kill_at:
            b.activity_event("worker-1.1", "started", "o", aid, kind, t=start)
            if done:
                b.activity_event("worker-1.2", "started", "o", aid, kind, attempt=2,
                                 t=kill_at + 0.1,
                                 started_from=handed if kind == "pack_order" else [])
                b.activity_event("worker-1.2", "completed", "o", aid, kind, attempt=2, t=end)
        else:
            b.activity_event("worker-1.2", "started", "o", aid, kind, t=start)
            b.activity_event("worker-1.2", "completed", "o", aid, kind, t=end)


def saga(tmp_path: Path, status: str = "COMPLETED", pack_open: bool = False,
         kill_at: float | None = 1004.0, handed: list[Any] = HANDED) -> RunBuilder:
    """An order saga from t=1000 to 1020: reserve done at 1001, charge done at 1002, pack
    from 1002.5 (done at 1010 unless `pack_open`), ship done at 1011; worker-1.1 ran it
    until `kill_at`."""
    b = RunBuilder(tmp_path)
    attempt_log(b, kill_at, pack_open, handed)
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
    b = saga(tmp_path, kill_at=1003.99).worker("kill", "worker-1.1", t=1003.99,
                                                signal="SIGKILL")
    b.fault("worker_kill", t=1004.0, fault_id="f1", target="worker-1.1")
    verdict = check(finish_pack(b, resume_at=0).build())
    assert verdict.status == Status.FAIL
    assert verdict.stats["crashes"] == 1  # the supervisor's kill is that fault's kill
    (row,) = verdict.evidence
    assert row["rule"] == "checkpoint lost"
    assert "2 items packed" in row["expected"]  # the checkpoint the retry was handed
    assert row["workflow_id"] == "r1/o" and row["ref"] == "r1/o/pack/0"
    assert row["fault"]["fault_id"] == "f1"
    assert row["history"] == "histories/r1__o__run-1.json"


def test_restart_from_zero_when_handed_no_checkpoint_is_not_a_lost_checkpoint(
        tmp_path: Path) -> None:
    """Defect: on a loaded cluster the worker died before its first heartbeat reached the
    server; the retry was handed no checkpoint and rightly started over, yet was failed."""
    b = saga(tmp_path, kill_at=1003.99, handed=[]).worker("kill", "worker-1.1", t=1003.99,
                                                          signal="SIGKILL")
    verdict = check(finish_pack(b, resume_at=0).build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["pack_restarts_without_checkpoint"] == 1
    assert verdict.stats["pack_resumes"] == 0  # not counted as a checkpoint kept


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
    b = saga(tmp_path, kill_at=1001.8).worker("kill", "worker-1.1", t=1001.8)
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
    verdict = check(finish_pack(saga(tmp_path, kill_at=None), resume_at=3).build())
    assert verdict.status == Status.UNKNOWN


def test_armed_inject_and_end_of_run_shutdown_are_not_crashes(tmp_path: Path) -> None:
    b = saga(tmp_path, kill_at=None).fault("worker_crash", t=1004.0, fault_id="f1",
                                           details={"armed": True})
    b = finish_pack(b, resume_at=0)
    b.journal("run", t=1030.0, type="driven").worker("kill", "worker-1.1", t=1031.0,
                                                      signal="SIGTERM")
    assert check(b.build()).status == Status.UNKNOWN


def test_unknown_when_the_crash_hit_no_open_workflow(tmp_path: Path) -> None:
    b = finish_pack(saga(tmp_path, kill_at=None), resume_at=3).worker("kill", "worker-1.1",
                                                                      t=1025.0)
    verdict = check(b.build())
    assert verdict.status == Status.UNKNOWN


def test_workflows_on_workers_that_were_not_killed_are_not_hit(tmp_path: Path) -> None:
    """Defect: every open workflow counted as hit, even on workers that were not killed."""
    b = saga(tmp_path, kill_at=None).worker("kill", "worker-2.1", t=1004.0, signal="SIGKILL")
    b.attempt("o", "charge", "payments", "charge", outcome="duplicate", t=1005.0)
    verdict = check(finish_pack(b, resume_at=0).build())
    assert verdict.status == Status.UNKNOWN  # worker-2 ran nothing of this order
    assert "no workflow had work in flight" in verdict.summary


def test_a_crash_that_touched_nothing_in_flight_is_unknown_not_pass(tmp_path: Path) -> None:
    """Defect: a crash between steps (finished steps only) passed instead of unknown."""
    b = saga(tmp_path, kill_at=None)
    b.activity_event("worker-1.1", "started", "o", "9", "pack_order", t=1002.2)
    b.worker("kill", "worker-1.1", t=1002.3)
    b.activity_event("worker-1.2", "started", "o", "9", "pack_order", attempt=2, t=1002.35)
    b.activity_event("worker-1.2", "completed", "o", "9", "pack_order", attempt=2, t=1002.4)
    verdict = check(finish_pack(b, resume_at=3).build())
    assert verdict.status == Status.UNKNOWN and "never put to the test" in verdict.summary


def test_no_attempt_log_is_unknown(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path).start("o", workload="order_saga").workflow("o")
    verdict = check(b.worker("kill", "worker-1.1", t=1004.0).build())
    assert verdict.status == Status.UNKNOWN and "attempt log" in verdict.summary
