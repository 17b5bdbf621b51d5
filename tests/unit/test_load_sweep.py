"""Scale sweep pieces: flags, the scenario per point, efficiency, the saved folder."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from harness.errors import UsageError
from harness.load.sweep import (
    FANOUT_TUNING,
    SweepPoint,
    add_efficiency,
    parse_counts,
    parse_shapes,
    save_sweep,
    scale_scenario,
)


def test_parse_shapes_and_counts() -> None:
    assert parse_shapes("10x10, 50X20") == [(10, 10), (50, 20)]
    assert parse_counts("1,2,4", "--workers") == [1, 2, 4]
    for bad in ("10", "10x", "0x5", "2000x1", "axb"):
        with pytest.raises(UsageError, match="--shapes"):
            parse_shapes(bad)
    for bad in ("", "0", "1,x"):
        with pytest.raises(UsageError, match="--workers"):
            parse_counts(bad, "--workers")


def test_scale_scenario_is_a_pure_fanout_point() -> None:
    scenario = scale_scenario(SweepPoint(5, 7, 2), parents=3, deadline=120)
    spec = scenario.workloads[0]
    assert scenario.name == "scale-5x7-w2" and scenario.workers.count == 2
    assert (spec.name, spec.count) == ("fanout", 3)
    # Nothing is injected at a scale point: no crash-recovery timeouts (SDK defaults).
    assert spec.params == {"children": 5, "activities": 7, "use_ledger": False,
                           "fast_recovery": False}
    assert scenario.workers.options.sticky_queue_timeout == 10.0
    # Few workflow tasks in flight: the plain-SDK side of the benchmark is tuned the same.
    assert scenario.workers.options.max_concurrent_workflow_tasks == \
        FANOUT_TUNING["max_concurrent_workflow_tasks"]
    assert scenario.workers.options.max_concurrent_activities == \
        FANOUT_TUNING["max_concurrent_activities"]


def frame() -> pd.DataFrame:
    rows = []
    for shape, total in (("2x2", 4), ("4x4", 16)):
        for workers, aps in ((1, 100.0), (2, 150.0)):
            rows.append({
                "shape": shape, "workers": workers, "activities_total": total,
                "activities_per_s": aps, "workflows_per_s": aps / 10,
                "latency_p50_s": 0.1, "latency_p95_s": 0.2, "latency_p99_s": 0.3,
                "sched_to_start_p50_ms": 1.0, "sched_to_start_p95_ms": 2.0,
                "sched_to_start_p99_ms": 3.0, "worker_cpu_cores": 0.5,
                "server_cpu_cores": 1.0, "worker_rss_peak_mb": 90.0, "status": "pass"})
    return pd.DataFrame(rows)


def test_efficiency_is_per_worker_against_the_fewest_workers() -> None:
    result = add_efficiency(frame())
    assert list(result["efficiency"]) == [1.0, 0.75, 1.0, 0.75]


def test_saved_sweep_has_csv_parquet_and_plots(tmp_path: Path) -> None:
    paths = save_sweep(add_efficiency(frame()), tmp_path)
    names = {p.name for p in paths}
    assert {"scale.csv", "scale.parquet", "throughput.png", "latency.png", "efficiency.png",
            "resources.png"} <= names
    assert all(p.stat().st_size > 0 for p in paths)
    assert len(pd.read_parquet(tmp_path / "scale.parquet")) == 4
