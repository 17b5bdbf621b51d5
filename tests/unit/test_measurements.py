"""The shared figures: one percentile method, recovery per affected workflow, throughput."""

from __future__ import annotations

import math
from pathlib import Path

from harness.evidence.measurements import Distribution, percentile, recovery, run_stats
from tests.unit.runbuilder import RunBuilder


def test_percentile_is_nearest_rank_and_keeps_infinity() -> None:
    assert percentile([1, 2, 3, 4], 0.5) == 2
    assert percentile([1, 2, 3, 4], 0.95) == 4
    assert percentile([7], 0.95) == 7
    assert percentile([], 0.5) is None
    assert percentile([1.0] * 19 + [math.inf], 0.95) == 1.0
    assert percentile([1.0] * 18 + [math.inf] * 2, 0.95) == math.inf


def test_distribution_stores_never_as_null() -> None:
    dist = Distribution.of([1.0, math.inf])
    assert dist.to_json() == {"count": 2, "p50": 1.0, "p95": None, "p99": None, "max": None,
                              "never": 1}


def test_recovery_per_affected_workflow(tmp_path: Path) -> None:
    rows = [{"fault_id": "f1", "seconds": None, "workflow_ids": ["r1/a", "r1/b"],
             "per_workflow": {"a": 1.0, "b": 4.0}}]
    measured = recovery(RunBuilder(tmp_path).recovery(rows).build())
    assert sorted(measured.samples) == [1.0, 4.0]
    assert measured.faults[0].seconds == 4.0  # the slowest affected workflow
    stored = measured.to_json()
    assert stored["per_fault"][0]["affected_workflows"] == 2 and stored["p95"] == 4.0


def test_throughput_counts_from_when_the_workers_were_ready(tmp_path: Path) -> None:
    b = RunBuilder(tmp_path)
    b.worker("start", "worker-1.1", t=100.0).worker("ready", "worker-1.1", t=110.0)
    for i in range(4):
        b.journal("client", t=110.0 + i, op="start", type="invoke", workflow_id=f"r1/w{i}")
        b.journal("client", t=112.0 + i, op="result", type="ok", workflow_id=f"r1/w{i}")
    stats = run_stats(b.build())
    assert stats["duration_s"] == 5.0 and stats["throughput_wps"] == 0.8
    assert stats["latency_p95_s"] == 2.0 and stats["completed"] == 4


def test_a_history_host_kill_affects_every_workflow_open_then(tmp_path: Path) -> None:
    """A workflow on the dead host's shards stalls even with no activity running (its last
    completion was lost): every workflow open at the kill counts, measured from the kill."""
    from tests.unit.runbuilder import iso

    b = RunBuilder(tmp_path)
    b.workflow("a", start_time=iso(990.0), close_time=iso(1009.0))
    b.workflow("b", start_time=iso(995.0), close_time=iso(1020.0))
    b.workflow("done", start_time=iso(980.0), close_time=iso(999.0))  # closed before it
    b.activity_event("w1", "started", "a", "1", "ship", t=999.5)
    b.activity_event("w1", "completed", "a", "1", "ship", t=999.6)  # nothing in flight at 1000
    b.activity_event("w1", "started", "b", "2", "ship", t=1006.0)
    b.activity_event("w1", "completed", "b", "2", "ship", t=1006.5)
    b.fault("history_kill", t=1000.0, fault_id="f1", target="history-2")
    b.fault("history_kill", t=1008.0, phase="heal", fault_id="f1", target="history-2")
    measured = recovery(b.build())
    (fault,) = measured.faults
    assert {w.workflow_id for w in fault.workflows} == {"r1/a", "r1/b"}
    assert sorted(measured.samples) == [6.5, 9.0]  # b's next completion; a's close
