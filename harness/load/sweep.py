"""`harness scale`: sweep fan-out shape (children x activities) and worker count.

Each point is one ordinary run (run_scenario, its own run folder under the sweep folder) of a
fan-out scenario built in code with use_ledger false (pure scale: no service calls), driven by
the default driver while a psutil sampler watches the workers and the server. Results are one
pandas row per point, saved as scale.csv and scale.parquet beside the plots:

    reports/scale-<ts>/scale.csv, scale.parquet, scale.json, throughput.png, latency.png,
                       efficiency.png, resources.png, where_time_went.png, runs/<run-id>/...

Each row also says where the point's time went (time_spent.py). With a time budget the
points run smallest first and a point is skipped when the last throughput predicts it would
not finish in what is left: `--largest` climbs a ladder of shapes that way, so the sweep ends at the
largest shape this machine finishes in the budget.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from harness.drive import RunDriver, drive_all
from harness.errors import UsageError
from harness.load.resources import ResourceSampler
from harness.load.run_figures import run_figures
from harness.load.sdk_metrics import scrape_live_workers
from harness.load.time_spent import PhaseClock, cpu_seconds, sdk_seconds, where_time_went
from harness.run_context import Progress, RunContext
from harness.runner import run_scenario
from harness.scenario import Scenario
from harness.stack.stack import Stack


@dataclass(frozen=True)
class SweepPoint:
    children: int
    activities: int
    workers: int

    @property
    def name(self) -> str:
        return f"scale-{self.children}x{self.activities}-w{self.workers}"

    def activities_total(self, parents: int) -> int:
        return parents * self.children * self.activities


def parse_shapes(text: str) -> list[tuple[int, int]]:
    """`10x10,50x20` -> [(10, 10), (50, 20)]; each side 1..1000 (Temporal's per-workflow rule)."""
    shapes = []
    for part in text.split(","):
        left, sep, right = part.strip().lower().partition("x")
        if not sep or not left.isdigit() or not right.isdigit():
            raise UsageError(f"--shapes: expected CHILDRENxACTIVITIES like 10x20, got {part!r}")
        c, a = int(left), int(right)
        if not (1 <= c <= 1000 and 1 <= a <= 1000):
            raise UsageError(f"--shapes: {part.strip()}: children and activities must be 1-1000")
        shapes.append((c, a))
    return shapes


def parse_counts(text: str, flag: str) -> list[int]:
    try:
        counts = [int(p) for p in text.split(",") if p.strip()]
    except ValueError:
        raise UsageError(f"{flag}: expected a comma-separated list of integers, got {text!r}") \
            from None
    if not counts or min(counts) < 1:
        raise UsageError(f"{flag}: every value must be >= 1 (got {text!r})")
    return counts


# Fan-out points run with few workflow tasks in flight per worker. With a hundred or more (the
# SDK's and the harness's defaults), the burst of children's first tasks on a 2-core machine
# waits inside the worker past the workflow task timeout: tasks time out and run again (up to
# attempt 7 measured, on both the harness's and a plain SDK worker), the wasted work feeds the
# backlog, and throughput depends on that luck. With ten, no task timed out; the backlog
# waits at the server, where waiting costs nothing. The benchmark's plain-SDK worker uses the
# same figures, so both sides of its ratios are tuned alike.
FANOUT_TUNING = {"max_concurrent_workflow_tasks": 10, "max_concurrent_activities": 100}

# A scale point injects nothing, so its workers keep the SDK's sticky queue timeout (10 s),
# as the benchmark's plain-SDK worker does. The harness's 1 s one is for crash recovery: under
# a fan-out's backlog a busy worker's sticky tasks time out after 1 s and go to the normal
# queue, where they replay the whole history (4-16 per 20K run measured).
SCALE_WORKER_OPTIONS = {**FANOUT_TUNING, "sticky_queue_timeout": 10.0}


def scale_scenario(point: SweepPoint, parents: int, deadline: float) -> Scenario:
    return Scenario.model_validate({
        "name": point.name, "deadline": deadline,
        "description": "pure fan-out scale point (no ledger), built by harness scale",
        "workloads": [{"name": "fanout", "count": parents, "params": {
            "children": point.children, "activities": point.activities, "use_ledger": False,
            "fast_recovery": False}}],
        "workers": {"count": point.workers, "options": SCALE_WORKER_OPTIONS},
        "checks": ["liveness", "fanout_integrity"],
    })


def sampled(inner: RunDriver, stack: Stack, keep: Callable[[ResourceSampler], None]) -> RunDriver:
    """Wrap a driver with a sampler of the workers' and the dev server's processes; at the
    end, scrape the SDK metrics of workers that export them into `<run>/metrics/`."""

    async def driver(ctx: RunContext) -> bool:
        def workers() -> list[int]:
            return [s.process.pid for s in ctx.supervisor.slots
                    if s.process is not None and s.process.pid is not None and s.process.alive()]

        def server() -> list[int]:
            proc = stack.temporal.process if stack.temporal is not None else None
            return [proc.pid] if proc is not None and proc.pid is not None else []

        sampler = ResourceSampler({"worker": workers, "server": server})
        task = asyncio.create_task(sampler.run())
        try:
            return await inner(ctx)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            keep(sampler)
            await scrape_live_workers(ctx.run.path, ctx.supervisor)

    return driver


async def run_point(point: SweepPoint, stack: Stack, runs_dir: Path, *, parents: int,
                    deadline: float, seed: int | None) -> dict[str, Any]:
    samplers: list[ResourceSampler] = []
    clock = PhaseClock()
    server = stack.temporal.process if stack.temporal is not None else None
    server_pid = server.pid if server is not None else None
    server_cpu, harness_cpu, started = cpu_seconds(server_pid), time.process_time(), \
        time.monotonic()
    outcome = await run_scenario(scale_scenario(point, parents, deadline), stack, runs_dir,
                                 seed=seed, driver=sampled(drive_all, stack, samplers.append),
                                 worker_metrics=True, progress=Progress(on_change=clock.observe))
    clock.stop()
    server_end = cpu_seconds(server_pid)
    worker = samplers[0].figures("worker") if samplers else {}
    cpu = {"server": server_end - server_cpu if server_end is not None and server_cpu is not None
           else None, "workers": worker.get("cpu_seconds"),
           "harness": time.process_time() - harness_cpu}
    return {
        "shape": f"{point.children}x{point.activities}", "children": point.children,
        "activities": point.activities, "parents": parents, "workers": point.workers,
        "activities_total": point.activities_total(parents),
        **run_figures(outcome.run),
        "worker_cpu_cores": worker.get("cpu_cores"),
        "worker_cpu_seconds": worker.get("cpu_seconds"),
        "worker_rss_peak_mb": worker.get("rss_peak_mb"),
        "server_cpu_cores": samplers[0].figures("server").get("cpu_cores") if samplers else None,
        "point_seconds": round(time.monotonic() - started, 2),
        **where_time_went(clock.figures(), cpu, sdk_seconds(outcome.run.path / "metrics")),
        "status": outcome.results["status"], "run_dir": str(outcome.run.path),
    }


def add_efficiency(frame: pd.DataFrame) -> pd.DataFrame:
    """activities/s per worker relative to the fewest-workers point of the same shape."""
    frame = frame.copy()
    base = frame.loc[frame.groupby("shape")["workers"].idxmin(), ["shape", "workers",
                                                                 "activities_per_s"]]
    base = base.rename(columns={"workers": "base_workers", "activities_per_s": "base_aps"})
    frame = frame.merge(base, on="shape", how="left")
    frame["efficiency"] = (frame["activities_per_s"] / frame["base_aps"]
                           / (frame["workers"] / frame["base_workers"])).round(3)
    return frame.drop(columns=["base_workers", "base_aps"])


@dataclass
class Budget:
    """Skips points the last point's pace says would not finish in what is left."""

    seconds: float | None
    started: float = field(default_factory=time.monotonic)
    pace: float | None = None  # activities per second of wall clock, whole point
    skipped: list[dict[str, Any]] = field(default_factory=list)

    def remaining(self) -> float | None:
        return None if self.seconds is None else self.seconds - (time.monotonic() - self.started)

    def admits(self, point: SweepPoint, parents: int) -> bool:
        left = self.remaining()
        if left is None:
            return True
        predicted = point.activities_total(parents) / self.pace if self.pace else 0.0
        if left <= 0 or predicted > left:
            self.skipped.append({"shape": f"{point.children}x{point.activities}",
                                 "workers": point.workers,
                                 "predicted_s": round(predicted, 1), "left_s": round(left, 1)})
            return False
        return True

    def learn(self, row: dict[str, Any]) -> None:
        if row.get("point_seconds"):
            self.pace = row["activities_total"] / row["point_seconds"]


async def run_sweep(points: list[SweepPoint], stack: Stack, sweep_dir: Path, *,
                    parents: int = 1, deadline: float = 600.0, seed: int | None = None,
                    budget: float | None = None,
                    on_point: Callable[[dict[str, Any]], None] = lambda _row: None
                    ) -> pd.DataFrame:
    rows = []
    limit = Budget(budget)
    if budget is not None:
        points = sorted(points, key=lambda p: (p.activities_total(parents), p.workers))
    for point in points:
        if not limit.admits(point, parents):
            continue
        left = limit.remaining()
        row = await run_point(point, stack, sweep_dir / "runs", parents=parents,
                              deadline=deadline if left is None else max(1.0, min(deadline, left)),
                              seed=seed)
        limit.learn(row)
        rows.append(row)
        on_point(row)
    frame = add_efficiency(pd.DataFrame(rows))
    save_sweep(frame, sweep_dir, summary(frame, budget, limit.skipped))
    return frame


def summary(frame: pd.DataFrame, budget: float | None,
            skipped: list[dict[str, Any]]) -> dict[str, Any]:
    """The largest shape that passed (most activities), and what the budget skipped."""
    passed = frame[frame["status"] == "pass"] if len(frame) else frame
    largest = None
    if len(passed):
        best = passed.loc[passed["activities_total"].idxmax()]
        largest = {"shape": best["shape"], "parents": int(best["parents"]),
                   "workers": int(best["workers"]),
                   "activities_total": int(best["activities_total"]),
                   "point_seconds": float(best["point_seconds"]),
                   "busiest": best.get("busiest")}
    return {"budget_s": budget, "largest_passed": largest, "skipped": skipped,
            "points": len(frame)}


def save_sweep(frame: pd.DataFrame, sweep_dir: Path,
               result: dict[str, Any] | None = None) -> list[Path]:
    from harness.load.plots import plot_sweep

    sweep_dir.mkdir(parents=True, exist_ok=True)
    if result is not None:
        (sweep_dir / "scale.json").write_text(json.dumps(result, indent=2, default=str),
                                              encoding="utf-8")
    frame.to_csv(sweep_dir / "scale.csv", index=False)
    frame.to_parquet(sweep_dir / "scale.parquet", index=False)
    return [sweep_dir / "scale.csv", sweep_dir / "scale.parquet", *plot_sweep(frame, sweep_dir)]
