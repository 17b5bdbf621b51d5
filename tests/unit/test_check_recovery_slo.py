"""recovery_slo on stored run folders: per affected workflow, never-recovered, unknowns."""

from __future__ import annotations

from pathlib import Path

from harness.checks.recovery_slo import RecoverySloOptions, check
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder

PER_FAULT = [{"fault_id": "f1", "fault": "worker_kill", "seconds": 2.0,
              "workflow_ids": ["r1/o"]},
             {"fault_id": "f2", "fault": "worker_kill", "seconds": 9.0,
              "workflow_ids": ["r1/p"]}]


def test_pass_within_bounds(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery(PER_FAULT).build()
    verdict = check(run, RecoverySloOptions(p95_s=10, max_s=10))
    assert verdict.status == Status.PASS
    assert verdict.stats["p95"] == 9.0 and verdict.stats["affected_workflows"] == 2


def test_fail_names_the_slow_faults_and_their_workflows(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery(PER_FAULT).build()
    verdict = check(run, RecoverySloOptions(p95_s=5))
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["fault_id"] == "f2" and row["workflow_id"] == "r1/p"
    assert row["expected"] == "p95 <= 5s"


def test_never_recovered_is_infinitely_slow(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery({"f1": 1.0, "f2": None}).build()
    verdict = check(run, RecoverySloOptions(max_s=30))
    assert verdict.status == Status.FAIL
    assert verdict.stats["max"] is None  # stored as null, never as Infinity
    assert verdict.stats["never_recovered"] == 1
    assert verdict.evidence[0]["fault_id"] == "f2"


def test_one_quick_workflow_does_not_hide_a_stalled_one(tmp_path: Path) -> None:
    """Defect: recovery was measured to the first of many affected workflows."""
    rows = [{"fault_id": "f1", "seconds": None, "workflow_ids": ["r1/a", "r1/b", "r1/c"],
             "per_workflow": {"a": 0.5, "b": 0.6, "c": None}}]
    run = RunBuilder(tmp_path).recovery(rows).build()
    verdict = check(run, RecoverySloOptions(max_s=10))
    assert verdict.status == Status.FAIL
    assert [r["workflow_id"] for r in verdict.evidence] == ["r1/c"]
    assert verdict.stats["affected_workflows"] == 3


def test_an_attempt_that_starts_and_fails_again_is_no_recovery(tmp_path: Path) -> None:
    """Defect: an activity start counted as recovery even if it then failed."""
    b = RunBuilder(tmp_path)
    b.activity_event("worker-1.1", "started", "o", "1", "charge_payment", t=4999.0)
    b.fault("worker_kill", t=5000.0, fault_id="f1", target="worker-1.1")
    b.activity_event("worker-1.2", "started", "o", "1", "charge_payment", attempt=2, t=5001.0)
    b.activity_event("worker-1.2", "failed", "o", "1", "charge_payment", attempt=2, t=5001.5)
    verdict = check(b.build(), RecoverySloOptions(max_s=30))
    assert verdict.status == Status.FAIL
    assert verdict.stats["never_recovered"] == 1


def test_a_fault_that_hit_nothing_is_not_dropped_but_unknown(tmp_path: Path) -> None:
    """Defect: faults that hit nothing were dropped as idle, and the rest judged."""
    b = RunBuilder(tmp_path)
    b.activity_event("worker-2.1", "started", "o", "1", "charge_payment", t=4999.0)
    b.activity_event("worker-2.1", "completed", "o", "1", "charge_payment", t=5003.0)
    b.fault("worker_kill", t=5000.0, fault_id="f1", target="worker-1.1")
    verdict = check(b.build(), RecoverySloOptions(max_s=30))
    assert verdict.status == Status.UNKNOWN
    assert verdict.stats["faults_hit_nothing"] == 1 and "f1" in verdict.summary


def test_unknown_without_measurements_or_without_a_bound(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").build(), RecoverySloOptions(p95_s=5)).status \
        == Status.UNKNOWN
    run = RunBuilder(tmp_path / "b").recovery([]).build()
    assert check(run, RecoverySloOptions(p95_s=5)).status == Status.UNKNOWN
    run = RunBuilder(tmp_path / "c").recovery(PER_FAULT).build()
    assert check(run).status == Status.UNKNOWN


def test_a_run_never_collected_is_unknown(tmp_path: Path) -> None:
    """Defect: recovery_slo could pass on a run that was never collected."""
    run = RunBuilder(tmp_path).recovery(PER_FAULT).build()
    (run.path / "workflows.json").unlink()
    verdict = check(run, RecoverySloOptions(p95_s=10, max_s=10))
    assert verdict.status == Status.UNKNOWN and "not collected" in verdict.summary
