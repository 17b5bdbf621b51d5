"""The generic checks on stored run folders: pass, fail and unknown for each, from histories,
the attempt log and effect probe rows alone (no stack)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.checks.registry import run_check
from harness.checks.verdict import Status
from harness.probes import probe_file
from tests.unit.historybuilder import Child, Step, write_history
from tests.unit.runbuilder import RunBuilder

PAIRS = {"pairs": {"book_flight": "cancel_flight", "book_hotel": "cancel_hotel",
                   "book_car": "cancel_car"}}
PROBE = "shop.trips:effects"

# --- compensation with pairs ------------------------------------------------------------------


def saga(tmp_path: Path, steps: list[Step], status: str = "FAILED") -> Any:
    b = RunBuilder(tmp_path).start("t1").workflow("t1", status, workflow_type="BookTrip")
    return write_history(b, "t1", steps).build()


def test_compensation_pairs_pass_when_each_started_step_is_undone_in_reverse(tmp_path: Path
                                                                             ) -> None:
    run = saga(tmp_path, [Step("book_flight", 1.0),
                          Step("book_hotel", 2.0, "failed", failure=("HotelRefused", "no")),
                          Step("cancel_hotel", 3.0), Step("cancel_flight", 4.0)])
    verdict = run_check("compensation", run, PAIRS)
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["sagas_undone"] == 1


def test_compensation_pairs_fail_when_a_step_that_failed_after_starting_is_left(tmp_path: Path
                                                                                ) -> None:
    """A compensation registered after its step: the failed hotel is never released."""
    run = saga(tmp_path, [Step("book_flight", 1.0),
                          Step("book_hotel", 2.0, "failed", failure=("HotelRefused", "no")),
                          Step("cancel_flight", 3.0)])
    verdict = run_check("compensation", run, PAIRS)
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert (row["workflow_id"], row["step"], row["compensation"]) == (
        "r1/t1", "book_hotel", "cancel_hotel")
    assert row["history"].startswith("histories/")


def test_compensation_pairs_fail_on_wrong_order_extra_and_completed(tmp_path: Path) -> None:
    wrong_order = saga(tmp_path / "a", [Step("book_flight", 1.0), Step("book_hotel", 2.0),
                                        Step("book_car", 3.0, "failed", failure=("X", "x")),
                                        Step("cancel_car", 4.0), Step("cancel_flight", 5.0),
                                        Step("cancel_hotel", 6.0)])
    rows = run_check("compensation", wrong_order, PAIRS).evidence
    assert [r["step"] for r in rows] == ["order"]
    never_started = saga(tmp_path / "b", [Step("book_flight", 1.0, "failed",
                                                failure=("X", "x")),
                                          Step("cancel_hotel", 2.0), Step("cancel_flight", 3.0)])
    rows = run_check("compensation", never_started, PAIRS).evidence
    assert [(r["step"], r["observed"]) for r in rows] == [
        ("book_hotel", "cancel_hotel completed but book_hotel never started")]
    completed = saga(tmp_path / "c", [Step("book_flight", 1.0), Step("cancel_flight", 2.0)],
                     status="COMPLETED")
    assert run_check("compensation", completed, PAIRS).status == Status.FAIL


def test_compensation_pairs_unknown_when_every_saga_completed(tmp_path: Path) -> None:
    run = saga(tmp_path, [Step("book_flight", 1.0), Step("book_hotel", 2.0)], "COMPLETED")
    verdict = run_check("compensation", run, PAIRS)
    assert verdict.status == Status.UNKNOWN and "never exercised" in verdict.summary


# --- idempotency with an effect probe ---------------------------------------------------------


def with_effects(b: RunBuilder, rows: list[dict[str, Any]] | None, error: str | None = None
                 ) -> RunBuilder:
    path = b.path / probe_file(PROBE)
    path.parent.mkdir(parents=True, exist_ok=True)
    record: dict[str, Any] = {"probe": PROBE, "called_at": 1.0}
    if error:
        record["error"] = error
    else:
        record["rows"] = rows
    path.write_text(json.dumps(record))
    return b


def delivered_twice(b: RunBuilder) -> RunBuilder:
    b.activity_event("worker-1.1", "started", "t1", "4", "charge_card", t=10.0)
    b.activity_event("worker-1.1", "failed", "t1", "4", "charge_card", t=10.1)
    b.activity_event("worker-1.1", "started", "t1", "4", "charge_card", attempt=2, t=10.3)
    return b.activity_event("worker-1.1", "completed", "t1", "4", "charge_card", attempt=2,
                            t=10.4)


def charge(key: str = "r1/t1/charge", row: str = "a") -> dict[str, Any]:
    return {"key": key, "workflow_id": "r1/t1", "step": "charge_card", "row": row}


def test_effects_pass_when_a_duplicated_delivery_took_effect_once(tmp_path: Path) -> None:
    b = delivered_twice(RunBuilder(tmp_path).start("t1").workflow("t1"))
    run = with_effects(b, [charge()], None).build()
    verdict = run_check("idempotency", run, {"effects": PROBE})
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["duplicate_deliveries"] == 1


def test_effects_fail_on_two_effects_of_one_key_with_the_deliveries(tmp_path: Path) -> None:
    b = delivered_twice(RunBuilder(tmp_path).start("t1").workflow("t1"))
    run = with_effects(b, [charge(row="a"), charge(row="b")]).build()
    verdict = run_check("idempotency", run, {"effects": PROBE})
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert (row["workflow_id"], row["step"], row["observed"]) == (
        "r1/t1", "charge_card", "2 effects")
    assert [d["attempt"] for d in row["deliveries"]] == [1, 2]


def test_effects_unknown_without_a_duplicate_delivery_or_rows(tmp_path: Path) -> None:
    quiet = with_effects(RunBuilder(tmp_path / "a").start("t1").workflow("t1"), [charge()])
    verdict = run_check("idempotency", quiet.build(), {"effects": PROBE})
    assert verdict.status == Status.UNKNOWN and "never put to the test" in verdict.summary
    broken = with_effects(RunBuilder(tmp_path / "b").start("t1").workflow("t1"), None,
                          error="OperationalError: no such table")
    verdict = run_check("idempotency", broken.build(), {"effects": PROBE})
    assert verdict.status == Status.UNKNOWN and "no such table" in verdict.summary
    never_called = RunBuilder(tmp_path / "c").start("t1").workflow("t1").build()
    assert run_check("idempotency", never_called, {"effects": PROBE}).status == Status.UNKNOWN


# --- resume_from_last_step on histories and the attempt log -----------------------------------


def crashed_ticketing(tmp_path: Path, resumed_at: Any, started_from: Any = 3) -> RunBuilder:
    """issue_tickets heartbeats 1..3 on worker-1.1, which is killed; the retry starts."""
    b = RunBuilder(tmp_path).start("t1").workflow("t1", workflow_type="BookTrip")
    b.activity_event("worker-1.1", "started", "t1", "5", "issue_tickets", t=20.0,
                     started_from=[])
    for n in (1, 2, 3):
        b.activity_event("worker-1.1", "heartbeat", "t1", "5", "issue_tickets", t=20.0 + n / 10,
                         details=[n])
    b.worker("kill", "worker-1.1", t=20.5)
    b.activity_event("worker-1.2", "started", "t1", "5", "issue_tickets", attempt=2, t=23.0,
                     started_from=[started_from])
    b.activity_event("worker-1.2", "heartbeat", "t1", "5", "issue_tickets", attempt=2, t=23.1,
                     details=[resumed_at])
    b.activity_event("worker-1.2", "completed", "t1", "5", "issue_tickets", attempt=2, t=24.0)
    return write_history(b, "t1", [Step("book_flight", 10.0), Step("issue_tickets", 19.9,
                                                                     start=23.0, end=24.0,
                                                                     attempt=2)])


def test_resume_passes_when_the_retry_continues_from_its_checkpoint(tmp_path: Path) -> None:
    run = crashed_ticketing(tmp_path, resumed_at=4).build()
    verdict = run_check("resume_from_last_step", run, {"evidence": "history"})
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["checkpoint_resumes"] == 1 and verdict.stats["finished_steps"] == 1


def test_resume_fails_when_the_retry_starts_over(tmp_path: Path) -> None:
    run = crashed_ticketing(tmp_path, resumed_at=1).build()
    verdict = run_check("resume_from_last_step", run, {"evidence": "history"})
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert (row["rule"], row["step"], row["workflow_id"]) == (
        "checkpoint lost", "issue_tickets", "r1/t1")
    assert row["attempt_that_died"]["last_heartbeat"] == [3]


def test_resume_reads_progress_from_a_named_field(tmp_path: Path) -> None:
    run = crashed_ticketing(tmp_path, resumed_at={"done": 1}, started_from={"done": 3}).build()
    verdict = run_check("resume_from_last_step", run, {"progress": "done"})
    assert verdict.status == Status.FAIL and verdict.evidence[0]["rule"] == "checkpoint lost"


def test_resume_fails_when_finished_work_is_scheduled_again(tmp_path: Path) -> None:
    b = crashed_ticketing(tmp_path, resumed_at=4)
    write_history(b, "t1", [Step("book_flight", 10.0), Step("issue_tickets", 19.9, "failed",
                                                             start=20.0, end=22.0),
                            Step("book_flight", 25.0)],  # a restart from the first step
                  children=[Child("r1/t1/kid", "Ticketing", 11.0, 12.0, ["x"]),
                            Child("r1/t1/kid-2", "Ticketing", 26.0, None, ["x"])])
    verdict = run_check("resume_from_last_step", b.build(), {"evidence": "history"})
    assert verdict.status == Status.FAIL
    assert {(r["rule"], r["step"]) for r in verdict.evidence} == {
        ("finished step scheduled again", "book_flight"),
        ("finished child restarted", "Ticketing")}


def test_resume_unknown_without_a_crash_or_anything_to_judge(tmp_path: Path) -> None:
    quiet = RunBuilder(tmp_path / "a").start("t1").workflow("t1")
    quiet.activity_event("worker-1.1", "started", "t1", "1", "book_flight", t=1.0)
    write_history(quiet, "t1", [Step("book_flight", 1.0)])
    verdict = run_check("resume_from_last_step", quiet.build(), {"evidence": "history"})
    assert verdict.status == Status.UNKNOWN and "no crash" in verdict.summary
    idle = RunBuilder(tmp_path / "b").start("t1").workflow("t1")
    idle.activity_event("worker-1.1", "started", "t1", "1", "book_flight", t=5.0)
    idle.worker("kill", "worker-1.1", t=5.5)
    write_history(idle, "t1", [Step("book_flight", 4.9, start=6.0, end=6.1, attempt=2)])
    verdict = run_check("resume_from_last_step", idle.build(), {"evidence": "history"})
    assert verdict.status == Status.UNKNOWN and "none had" in verdict.summary


# --- practices --------------------------------------------------------------------------------


def practised(tmp_path: Path, steps: list[Step]) -> Any:
    b = RunBuilder(tmp_path).start("t1").workflow("t1", workflow_type="BookTrip")
    return write_history(b, "t1", steps)


def test_practices_pass_on_careful_activities(tmp_path: Path) -> None:
    run = practised(tmp_path, [Step("book_flight", 1.0), Step(
        "issue_tickets", 2.0, start=2.0, end=20.0, heartbeat_timeout="2s")]).build()
    verdict = run_check("practices", run, {})
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["activities"] == 2


def test_practices_fail_on_each_pitfall_per_activity_type(tmp_path: Path) -> None:
    b = practised(tmp_path, [
        Step("no_timeout", 1.0, start_to_close=None),
        Step("issue_tickets", 2.0, start=2.0, end=20.0),
        Step("export", 3.0, result="x" * 4000),
        Step("book_car", 4.0, "failed", attempt=3, maximum_attempts=3,
             failure=("NoCars", "no cars left"), last_failure=("NoCars", "no cars left"),
             retry_state="RETRY_STATE_MAXIMUM_ATTEMPTS_REACHED"),
        Step("notify", 5.0, attempt=7, last_failure=("SmtpDown", "smtp down"))])
    verdict = run_check("practices", b.build(), {"max_payload_bytes": 1000})
    assert verdict.status == Status.FAIL
    assert {(e["rule"], e["activity_type"]) for e in verdict.evidence} == {
        ("no timeout", "no_timeout"),
        ("long activity without heartbeat timeout", "issue_tickets"),
        ("payload too large", "export"),
        ("business error retried to exhaustion", "book_car"),
        ("unbounded retries of a failing activity", "notify")}
    assert all(e["workflow_ids"] == ["r1/t1"] for e in verdict.evidence)


def test_practices_unknown_without_any_activity(tmp_path: Path) -> None:
    run = practised(tmp_path, []).build()
    assert run_check("practices", run, {}).status == Status.UNKNOWN


def test_resume_fails_when_a_new_run_starts_the_work_over(tmp_path: Path) -> None:
    """Continue-as-new with the same input after a crash: activity ids restart at 1 in the
    new run, and its first booking is still finished work done again."""
    b = crashed_ticketing(tmp_path, resumed_at=4)
    b.workflows[0]["status"] = "CONTINUED_AS_NEW"
    b.workflow("t1", run="run-2", start_time="2026-01-01T00:00:30")
    write_history(b, "t1", [Step("book_flight", 25.0)], run="run-2")
    verdict = run_check("resume_from_last_step", b.build(), {"evidence": "history"})
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert (row["rule"], row["step"]) == ("finished step scheduled again", "book_flight")
    assert "of run run-2" in row["observed"]


def test_practices_count_the_failures_of_an_activity_still_retrying(tmp_path: Path) -> None:
    """Its history holds only the schedule: the attempt log has the failed attempts."""
    b = practised(tmp_path, [Step("notify", 1.0, outcome=None)])
    for attempt in range(1, 7):
        b.activity_event("worker-1.1", "started", "t1", "1", "notify", attempt=attempt,
                         t=1.0 + attempt)
        b.activity_event("worker-1.1", "failed", "t1", "1", "notify", attempt=attempt,
                         t=1.1 + attempt, error="MailDown")
    verdict = run_check("practices", b.build(), {})
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["example"]["observed"] == "failed 6 times with retries unbounded"
