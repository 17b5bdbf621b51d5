"""Typed facts from real recorded histories: activities, attempts, failures, continue-as-new."""

from __future__ import annotations

from pathlib import Path

from harness.evidence.history import activities, execution
from tests.unit.runbuilder import RunBuilder, history_file


def test_a_compensated_saga_reads_as_typed_activity_facts(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).stored_history("o", "order_saga_v1_compensated.json", "run-1",
                                              "OrderSaga", status="FAILED").build()
    facts = execution(run, history_file("r1/o", "run-1"))
    assert facts is not None and facts.workflow_type == "OrderSaga"
    assert facts.status == "FAILED" and "failed at ship_order" in (facts.failure or "")
    kinds = [(a.activity_type, a.outcome) for a in facts.activities]
    assert kinds[:3] == [("reserve_inventory", "completed"), ("charge_payment", "completed"),
                         ("ship_order", "failed")]
    ship = facts.activities[2]
    assert ship.identity == "worker-1.1" and ship.attempt == 1
    assert "undeliverable" in (ship.failure or "") and ship.retryable is False
    assert ship.args[0]["address"] == "undeliverable"
    assert ship.schedule_to_start_s is not None and ship.schedule_to_start_s >= 0


def test_continue_as_new_names_the_next_run(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).stored_history("a", "entity_v1_continued_as_new.json", "run-1",
                                              "AccountEntity",
                                              status="CONTINUED_AS_NEW").build()
    facts = execution(run, history_file("r1/a", "run-1"))
    assert facts is not None and facts.status == "CONTINUED_AS_NEW" and facts.continued_as
    assert facts.signals or facts.activities


def test_a_missing_history_is_none_not_empty(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).build()
    assert execution(run, "histories/nothing.json") is None
    assert activities(run, "histories/nothing.json") == []


def test_facts_are_read_once_per_stored_version_and_shared(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).stored_history("o", "order_saga_v1_compensated.json", "run-1",
                                              "OrderSaga", status="FAILED").build()
    ref = history_file("r1/o", "run-1")
    decoded = execution(run, ref)
    assert decoded is not None and execution(run, ref) is decoded
    # A reader that needs no payloads shares the decoded facts already read.
    assert execution(run, ref, decode=False) is decoded
    # Other ids asked for are other facts (activities carry the ids they were read with).
    named = execution(run, ref, "r1/o", "run-1")
    assert named is not decoded and {a.run_id for a in named.activities} == {"run-1"}
    # A history stored again (another version of the file) is read again.
    path = run.path / ref
    path.write_text(path.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    again = execution(run, ref)
    assert again is not decoded and again is not None
    assert [a.activity_type for a in again.activities] == \
        [a.activity_type for a in decoded.activities]


def test_undecoded_facts_leave_payloads_empty_and_keep_everything_else(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).stored_history("o", "order_saga_v1_compensated.json", "run-1",
                                              "OrderSaga", status="FAILED").build()
    ref = history_file("r1/o", "run-1")
    bare = execution(run, ref, decode=False)
    full = execution(run, ref)
    assert bare is not None and full is not None and bare is not full
    assert not bare.args and all(not a.args and not a.result for a in bare.activities)
    assert full.args and any(a.args for a in full.activities)
    keep = ("activity_type", "outcome", "scheduled_t", "started_t", "closed_t", "attempt",
            "failure", "input_bytes", "result_bytes", "start_to_close")
    assert [[getattr(a, k) for k in keep] for a in bare.activities] == \
        [[getattr(a, k) for k in keep] for a in full.activities]


def test_each_timer_close_finds_its_own_timer(tmp_path: Path) -> None:
    """Timers overlap and close in any order; each close names its timer's started event."""
    import json

    from harness.runfolder import RunFolder

    def event(n: int, kind: str, attrs: dict[str, object]) -> dict[str, object]:
        key = "".join(w.capitalize() for w in kind.lower().split("_"))
        return {"eventId": str(n), "eventTime": f"2026-01-01T00:00:{n:02d}Z",
                "eventType": f"EVENT_TYPE_{kind}", key[0].lower() + key[1:] + "EventAttributes":
                    attrs}

    events = [event(1, "TIMER_STARTED", {"timerId": "a", "startToFireTimeout": "5s"}),
              event(2, "TIMER_STARTED", {"timerId": "b", "startToFireTimeout": "1s"}),
              event(3, "TIMER_STARTED", {"timerId": "c", "startToFireTimeout": "9s"}),
              event(4, "TIMER_STARTED", {"timerId": "d", "startToFireTimeout": "9s"}),
              event(5, "TIMER_FIRED", {"timerId": "b", "startedEventId": "2"}),
              event(6, "TIMER_CANCELED", {"timerId": "c", "startedEventId": "3"}),
              event(7, "TIMER_FIRED", {"timerId": "a", "startedEventId": "1"}),
              event(8, "TIMER_FIRED", {"timerId": "x", "startedEventId": "99"})]
    (tmp_path / "histories").mkdir()
    (tmp_path / "histories" / "h.json").write_text(json.dumps({"events": events}))
    facts = execution(RunFolder(tmp_path), "histories/h.json")
    assert facts is not None
    assert [(t.timer_id, t.duration, t.outcome, t.closed_event) for t in facts.timers] == [
        ("a", 5.0, "fired", 7), ("b", 1.0, "fired", 5), ("c", 9.0, "canceled", 6),
        ("d", 9.0, None, 0)]
