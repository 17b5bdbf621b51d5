"""`harness scale` on the real stack: a tiny sweep leaves its CSV, parquet and plots."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pandas as pd
import pytest

from harness.load.links import workers_direct
from harness.load.sweep import SweepPoint, run_sweep
from harness.stack.stack import Stack

pytestmark = pytest.mark.integration


def test_scale_sweep_writes_csv_and_plots(stack: Stack, tmp_path: Path) -> None:
    points = [SweepPoint(2, 3, 1), SweepPoint(3, 4, 1)]

    async def sweep() -> pd.DataFrame:
        with workers_direct(stack):
            return await run_sweep(points, stack, tmp_path / "scale", seed=1, deadline=60)

    frame = asyncio.run(sweep())
    assert len(frame) == 2
    for name in ("scale.csv", "scale.parquet", "throughput.png", "latency.png",
                 "efficiency.png", "resources.png"):
        assert (tmp_path / "scale" / name).stat().st_size > 0, name
    saved = pd.read_csv(tmp_path / "scale" / "scale.csv")
    assert list(saved["activities_completed"]) == [6, 12]
    assert list(saved["status"]) == ["pass", "pass"]
    assert saved["activities_per_s"].gt(0).all() and saved["worker_rss_peak_mb"].gt(0).all()
    assert saved["sched_to_start_p95_ms"].notna().all()
    assert stack.worker_connection != stack.direct  # the link was restored
