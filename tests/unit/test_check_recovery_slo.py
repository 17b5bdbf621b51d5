"""recovery_slo on stored run folders: bounds on p95 and max, never-recovered, unknowns."""

from __future__ import annotations

from pathlib import Path

from harness.checks.recovery_slo import RecoverySloOptions, check, percentile
from harness.checks.verdict import Status
from tests.unit.runbuilder import RunBuilder

PER_FAULT = [{"fault_id": "f1", "fault": "worker_kill", "seconds": 2.0,
              "workflow_ids": ["r1/o"]},
             {"fault_id": "f2", "fault": "worker_kill", "seconds": 9.0,
              "workflow_ids": ["r1/p"]}]


def test_pass_within_bounds(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery(PER_FAULT, p50=2.0, p95=9.0, max=9.0).build()
    verdict = check(run, RecoverySloOptions(p95_s=10, max_s=10))
    assert verdict.status == Status.PASS
    assert verdict.stats["p95"] == 9.0


def test_fail_names_the_slow_faults_and_their_workflows(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery(PER_FAULT).build()
    verdict = check(run, RecoverySloOptions(p95_s=5))
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["fault_id"] == "f2" and row["workflow_ids"] == ["r1/p"]
    assert row["expected"] == "p95 <= 5s"


def test_never_recovered_is_infinitely_slow(tmp_path: Path) -> None:
    run = RunBuilder(tmp_path).recovery({"f1": 1.0, "f2": None}).build()
    verdict = check(run, RecoverySloOptions(max_s=30))
    assert verdict.status == Status.FAIL
    assert verdict.stats["max"] is None  # stored as null, never as Infinity
    assert verdict.evidence[0]["fault_id"] == "f2"


def test_unknown_without_measurements_or_without_a_bound(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").build(), RecoverySloOptions(p95_s=5)).status \
        == Status.UNKNOWN
    run = RunBuilder(tmp_path / "b").recovery([]).build()
    assert check(run, RecoverySloOptions(p95_s=5)).status == Status.UNKNOWN
    run = RunBuilder(tmp_path / "c").recovery(PER_FAULT).build()
    assert check(run).status == Status.UNKNOWN


def test_percentile_nearest_rank() -> None:
    assert percentile([1, 2, 3, 4], 50) == 2
    assert percentile([1, 2, 3, 4], 95) == 4
    assert percentile([7], 95) == 7
