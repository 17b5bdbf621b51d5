"""Fault accounting: each planned firing fired, injected and landed, or the run is unknown."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.checks.fault_accounting import check
from harness.checks.verdict import Status, merge_verdicts
from harness.judge import judge
from harness.runfolder import RunFolder
from tests.unit.runbuilder import RunBuilder, history_file, iso


def planned(b: RunBuilder, *faults: dict[str, Any]) -> RunBuilder:
    b.scenario_data = {"name": "fixture", "workloads": [{"name": "order_saga", "count": 1}],
                       "faults": list(faults)}
    return b


def build(b: RunBuilder) -> RunFolder:
    run = b.build()
    specs = (b.scenario_data or {}).get("faults", [])
    (run.path / "planned_schedule.json").write_text(json.dumps([
        {"fault_id": f"f{i + 1}", "spec_index": i, "type": f["type"]}
        for i, f in enumerate(specs)]))
    return run


def kill_run(tmp_path: Path, in_flight: bool) -> RunBuilder:
    b = planned(RunBuilder(tmp_path), {"type": "worker_kill", "at": 1})
    b.activity_event("worker-1.1", "started", "o", "1", "charge_payment", t=1000.0)
    if not in_flight:
        b.activity_event("worker-1.1", "completed", "o", "1", "charge_payment", t=1000.5)
    b.worker("kill", "worker-1.1", t=1001.0)
    return b.fault("worker_kill", t=1001.01, fault_id="f1", target="worker-1.1")


def test_a_kill_that_hit_work_in_flight_is_accounted(tmp_path: Path) -> None:
    verdict = check(build(kill_run(tmp_path, in_flight=True)))
    assert verdict is not None and verdict.status == Status.PASS


def test_a_kill_that_landed_on_nothing_is_unknown_with_one_line(tmp_path: Path) -> None:
    """Defect: a fault scenario stayed green with no fault applied."""
    verdict = check(build(kill_run(tmp_path, in_flight=False)))
    assert verdict is not None and verdict.status == Status.UNKNOWN
    assert verdict.summary.startswith("f1 (worker_kill) landed on nothing")
    assert "\n" not in verdict.summary


def test_a_fault_that_never_fired_or_failed_to_inject_is_unknown(tmp_path: Path) -> None:
    b = planned(RunBuilder(tmp_path / "a"), {"type": "server_restart", "at": 50})
    verdict = check(build(b))
    assert verdict is not None and verdict.status == Status.UNKNOWN
    assert "never fired" in verdict.summary
    b = planned(RunBuilder(tmp_path / "b"), {"type": "network", "link": "temporal"})
    b.fault("network", fault_id="f1", error="ConnectionRefusedError()")
    verdict = check(build(b))
    assert verdict is not None and "failed to inject: ConnectionRefusedError()" in \
        verdict.summary


def test_an_optional_fault_may_land_on_nothing(tmp_path: Path) -> None:
    b = kill_run(tmp_path, in_flight=False)
    assert b.scenario_data is not None
    b.scenario_data["faults"][0]["optional"] = True
    verdict = check(build(b))
    assert verdict is not None and verdict.status == Status.PASS
    assert verdict.evidence[0]["optional"] is True


def test_a_duplicate_must_be_delivered_again(tmp_path: Path) -> None:
    b = planned(RunBuilder(tmp_path / "a"), {"type": "duplicate_delivery", "rate": 1.0})
    b.fault("duplicate_delivery", fault_id="f1", details={"armed": True})
    b.activity_event("worker-1.1", "started", "o", "2", "charge_payment", t=1000.0)
    b.activity_event("worker-1.1", "injected", "o", "2", "charge_payment", t=1000.1,
                     injection="lost_completion", fault_id="f1")
    assert check(build(b)).status == Status.UNKNOWN  # type: ignore[union-attr]
    b.activity_event("worker-1.1", "started", "o", "2", "charge_payment", attempt=2,
                     t=1000.3)
    b.path = tmp_path / "b"
    assert check(build(b)).status == Status.PASS  # type: ignore[union-attr]


def test_a_deploy_must_reach_running_workflows(tmp_path: Path) -> None:
    """Defect: a v2-unpatched deploy that reached no running workflow went unnoticed."""
    b = planned(RunBuilder(tmp_path / "a"), {"type": "deploy", "workload": "order_saga",
                                             "to": "v2-unpatched"})
    b.start("o", workload="order_saga", workflow_type="OrderSaga", t=1000.0)
    b.workflow("o", workflow_type="OrderSaga", start_time=iso(1000.0), close_time=iso(1001.0))
    b.fault("deploy", t=1002.0, fault_id="f1", started=1001.5,
            params={"workload": "order_saga", "to": "v2-unpatched"})
    verdict = check(build(b))
    assert verdict is not None and verdict.status == Status.UNKNOWN
    assert "no order_saga workflow was running" in verdict.summary
    b.workflows[-1]["close_time"] = iso(1005.0)
    b.path = tmp_path / "b"
    assert check(build(b)).status == Status.PASS  # type: ignore[union-attr]


def test_judging_adds_the_accounting_and_it_makes_the_run_unknown(tmp_path: Path) -> None:
    run = build(kill_run(tmp_path, in_flight=False))
    verdicts = judge(run, [])
    assert [v.check for v in verdicts] == ["faults"]
    assert merge_verdicts(verdicts) == Status.UNKNOWN


def test_no_faults_no_accounting(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path).build()) is None


def test_a_repeating_fault_cut_off_by_the_end_of_the_run_is_fine(tmp_path: Path) -> None:
    b = kill_run(tmp_path, in_flight=True)
    assert b.scenario_data is not None
    b.scenario_data["faults"] = [{"type": "worker_kill", "at": 1, "every": 5}]
    run = b.build()
    (run.path / "planned_schedule.json").write_text(json.dumps([
        {"fault_id": "f1", "spec_index": 0, "type": "worker_kill"},
        {"fault_id": "f2", "spec_index": 0, "type": "worker_kill"}]))
    verdict = check(run)
    assert verdict is not None and verdict.status == Status.PASS
    assert verdict.evidence[0]["fault_id"] == "f2" and verdict.evidence[0]["optional"]


def test_a_degraded_dependency_lands_when_it_refuses_a_request(tmp_path: Path) -> None:
    for refused, status in ((True, Status.PASS), (False, Status.UNKNOWN)):
        b = planned(RunBuilder(tmp_path / str(refused)),
                    {"type": "dependency", "service": "payments", "mode": "read_only"})
        b.fault("dependency", t=1010.0, fault_id="f1", target="payments")
        b.attempt("o", "charge", "payments", "charge",
                  outcome="degraded" if refused else "applied", t=1011.0)
        b.fault("dependency", t=1012.0, phase="heal", fault_id="f1", target="payments")
        verdict = check(build(b))
        assert verdict is not None and verdict.status == status, verdict.summary


def test_a_kill_of_a_worker_caching_a_running_workflow_landed(tmp_path: Path) -> None:
    """Between activities a worker still holds its workflows in cache: killing it forces a
    replay elsewhere, so the kill landed."""
    b = kill_run(tmp_path, in_flight=False)
    b.workflow("o", "COMPLETED", start_time=iso(999.0), close_time=iso(1010.0))
    b.histories[history_file("r1/o", "run-1")] = json.dumps({"events": [
        {"eventId": "2", "eventTime": "1970-01-01T00:16:39.500000Z",
         "eventType": "EVENT_TYPE_WORKFLOW_TASK_SCHEDULED",
         "workflowTaskScheduledEventAttributes": {}},
        {"eventId": "3", "eventTime": "1970-01-01T00:16:40.600000Z",
         "eventType": "EVENT_TYPE_WORKFLOW_TASK_STARTED",
         "workflowTaskStartedEventAttributes": {"scheduledEventId": "2",
                                                "identity": "worker-1.1"}}]})
    verdict = check(build(b))
    assert verdict is not None and verdict.status == Status.PASS, verdict


def test_a_fault_whose_heal_failed_is_unknown_even_when_optional(tmp_path: Path) -> None:
    """Defect: a heal error was journaled but the accounting still passed the run."""
    for heal_error, status in ((None, Status.PASS), ("ToxiproxyError('gone')", Status.UNKNOWN)):
        b = planned(RunBuilder(tmp_path / str(bool(heal_error))),
                    {"type": "dependency", "service": "payments", "mode": "read_only",
                     "optional": True})
        b.fault("dependency", t=1010.0, fault_id="f1", target="payments")
        b.attempt("o", "charge", "payments", "charge", outcome="degraded", t=1011.0)
        extra = {"error": heal_error} if heal_error else {}
        b.fault("dependency", t=1012.0, phase="heal", fault_id="f1", target="payments", **extra)
        verdict = check(build(b))
        assert verdict is not None and verdict.status == status, verdict.summary
        if heal_error:
            assert "failed to heal" in verdict.summary
