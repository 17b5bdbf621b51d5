"""Where a scale point's time went: phases, SDK histogram sums, the budget's predictions."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from harness.load.sweep import Budget, SweepPoint, summary
from harness.load.time_spent import PhaseClock, sdk_seconds, where_time_went

PROM = """# HELP temporal_activity_execution_latency Histogram of activity execution latency
# TYPE temporal_activity_execution_latency histogram
temporal_activity_execution_latency_bucket{activity_type="process_item",le="+Inf"} 10
temporal_activity_execution_latency_sum{activity_type="process_item"} 2500
temporal_activity_execution_latency_count{activity_type="process_item"} 10
# TYPE temporal_workflow_task_schedule_to_start_latency histogram
temporal_workflow_task_schedule_to_start_latency_bucket{le="+Inf"} 4
temporal_workflow_task_schedule_to_start_latency_sum 400
temporal_workflow_task_schedule_to_start_latency_count 4
# TYPE temporal_num_pollers gauge
temporal_num_pollers{poller_type="activity_task"} 5
"""


def test_sdk_histograms_are_summed_over_workers_in_seconds(tmp_path: Path) -> None:
    (tmp_path / "worker-1.1.prom").write_text(PROM)
    (tmp_path / "worker-2.1.prom").write_text(PROM)
    sums = sdk_seconds(tmp_path)
    assert sums["sdk_activity_exec_s"] == 5.0 and sums["sdk_activity_exec_n"] == 20
    assert sums["sdk_wft_wait_s"] == 0.8 and sums["sdk_wft_exec_s"] == 0.0
    assert sdk_seconds(tmp_path / "none")["sdk_activity_exec_s"] == 0.0


def test_phase_clock_counts_each_phase_once_however_often_it_updates() -> None:
    clock = PhaseClock()
    for phase in ("workers", "driving", "collecting 1/3 histories", "collecting 3/3 histories",
                  "judging"):
        clock.observe(SimpleNamespace(phase=phase))
    clock.stop()
    figures = clock.figures()
    assert set(figures) == {f"wall_{p}_s" for p in ("workers", "driving", "collecting",
                                                    "judging", "reporting")}
    assert all(v >= 0 for v in figures.values())
    row = where_time_went(figures, {"server": 3.0, "workers": 5.0, "harness": None}, {})
    assert row["busiest"] == "workers" and row["cpu_harness_s"] is None


def test_budget_skips_a_point_the_last_pace_cannot_finish() -> None:
    budget = Budget(100.0)
    small, big = SweepPoint(10, 10, 1), SweepPoint(1000, 1000, 1)
    assert budget.admits(small, parents=1)  # nothing learned yet: run it
    budget.learn({"activities_total": 100, "point_seconds": 1.0})  # 100 activities/s
    assert budget.admits(SweepPoint(50, 20, 1), parents=1)
    assert not budget.admits(big, parents=1)
    assert budget.skipped[0]["shape"] == "1000x1000" and budget.skipped[0]["predicted_s"] == 10000


def test_summary_names_the_largest_shape_that_passed() -> None:
    frame = pd.DataFrame([
        {"shape": "10x10", "parents": 1, "workers": 1, "activities_total": 100,
         "point_seconds": 3.0, "busiest": "server", "status": "pass"},
        {"shape": "100x100", "parents": 1, "workers": 1, "activities_total": 10000,
         "point_seconds": 50.0, "busiest": "workers", "status": "fail"},
    ])
    result = summary(frame, 600.0, [])
    assert result["largest_passed"]["shape"] == "10x10"
