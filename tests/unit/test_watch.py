"""The things to watch: backlog drain per fault, phases, and the figures of a stored run."""

from __future__ import annotations

import json
from pathlib import Path

from harness.evidence.measurements import FaultHit
from harness.judge import write_results
from harness.report.schema import validate_results
from harness.runfolder import RunFolder
from harness.watch.backlog import Sample, drain, read_samples
from harness.watch.figures import phase_of, upper_snake, watch_figures
from tests.unit.test_report_fixtures import T0, make_run


def samples(*totals: int) -> list[Sample]:
    return [Sample(float(i), total, 0) for i, total in enumerate(totals)]


def test_a_backlog_built_during_a_fault_drains_after_its_heal() -> None:
    got = drain(samples(0, 0, 4, 9, 6, 2, 0, 0), began=2.0, ended=3.0)
    assert got == {"baseline": 0, "peak": 9, "drain_s": 3.0, "drained": True}


def test_a_fault_that_built_nothing_drains_in_zero_seconds() -> None:
    assert drain(samples(1, 1, 1, 1), began=1.0, ended=2.0)["drain_s"] == 0.0


def test_a_backlog_still_high_at_the_end_never_drained() -> None:
    got = drain(samples(0, 0, 5, 8, 8), began=2.0, ended=3.0)
    assert got["drained"] is False and got["drain_s"] is None


def test_a_backlog_back_before_a_late_heal_drained_in_zero_seconds() -> None:
    """A kill's heal is journaled once every worker restarted; the run may be done by then."""
    assert drain(samples(0, 0, 6, 3, 0), began=2.0, ended=9.0)["drain_s"] == 0.0
    assert drain(samples(0, 0, 6, 3, 2), began=2.0, ended=9.0)["drained"] is None


def test_no_samples_after_the_fault_is_not_judged() -> None:
    assert drain(samples(0, 0), began=5.0, ended=6.0)["drained"] is None


def test_phases_before_during_and_after_each_fault() -> None:
    hits = [FaultHit("f1", "network", "temporal", 10.0, 12.0),
            FaultHit("f2", "worker_kill", "w", 20.0, 21.0)]
    assert [phase_of(t, hits) for t in (5, 11, 15, 20.5, 30)] == [
        "before", "during f1", "after f1", "during f2", "after f2"]


def test_grpc_codes_as_the_core_logs_them() -> None:
    assert upper_snake("ResourceExhausted") == "RESOURCE_EXHAUSTED"
    assert upper_snake("Unavailable") == "UNAVAILABLE"


def test_samples_pair_both_queues_and_count_errors(tmp_path: Path) -> None:
    run = RunFolder(make_run(tmp_path, backlog=True))
    found, errors = read_samples(run)
    assert errors == {"RESOURCE_EXHAUSTED": 1}
    assert max(s.workflow for s in found) == 12
    assert all(s.t < T0 + 20 or s.t > T0 + 20.2 for s in found)  # the refused round is gone


def test_figures_of_a_stored_run_validate_against_the_schema(tmp_path: Path) -> None:
    path = make_run(tmp_path, backlog=True)
    (path / "workers" / "worker-1.1.log").write_text(
        "WARN poll failed error=Status { code: Unavailable, message: \"x\" }\n"
        "WARN poll failed error=Status { code: ResourceExhausted, message: \"y\" }\n")
    run = RunFolder(path)
    figures = watch_figures(run)
    f1 = next(f for f in figures["backlog"]["per_fault"] if f["fault_id"] == "f1")
    assert (f1["baseline"], f1["peak"], f1["drained"]) == (0, 14, True)
    assert f1["drain_s"] == 2.5
    assert figures["grpc_errors"]["workers"] == {"UNAVAILABLE": 1, "RESOURCE_EXHAUSTED": 1}
    assert figures["grpc_errors"]["backlog_sampler"] == {"RESOURCE_EXHAUSTED": 1}
    assert figures["activity_failures"]["failed_attempts"] > 0
    assert figures["workers"]["kills"] == 1
    results = write_results(run, [])
    assert validate_results(json.loads(json.dumps(results))) == []
