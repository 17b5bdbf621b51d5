"""Where a scale point's time went: the run's phases, process CPU, and the SDK's own metrics.

Three views that must be read together, because on a small machine everything shares the
same cores:
- wall clock per phase of the run (workers starting, driving, collecting, judging,
  reporting), from the runner's progress phases;
- CPU seconds of the Temporal server, of the workers and of the harness process itself
  (psutil, user + system), over the whole point;
- from the workers' Prometheus metrics (the SDK's own histograms): time spent executing
  activities and workflow tasks, and time tasks waited in their queues before a worker
  picked them up (schedule-to-start). Long waits with idle workers point at the server;
  busy workers with short waits point at the workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil
from prometheus_client.parser import text_string_to_metric_families

# SDK histogram (milliseconds, the SDK's default unit) -> column stem
SDK_HISTOGRAMS = {
    "temporal_activity_execution_latency": "sdk_activity_exec",
    "temporal_activity_schedule_to_start_latency": "sdk_activity_wait",
    "temporal_workflow_task_execution_latency": "sdk_wft_exec",
    "temporal_workflow_task_schedule_to_start_latency": "sdk_wft_wait",
    "temporal_workflow_task_replay_latency": "sdk_wft_replay",
}
PHASES = ("workers", "driving", "collecting", "judging", "reporting")


@dataclass
class PhaseClock:
    """Wall-clock seconds per runner phase, fed by Progress.on_change."""

    current: str | None = None
    since: float = 0.0
    seconds: dict[str, float] = field(default_factory=dict)

    def observe(self, progress: Any) -> None:
        phase = str(progress.phase).split(" ", 1)[0]  # "collecting 10/20 histories"
        if phase == self.current:
            return
        now = time.monotonic()
        self.stop(now)
        self.current, self.since = phase, now

    def stop(self, now: float | None = None) -> None:
        if self.current is not None:
            now = time.monotonic() if now is None else now
            self.seconds[self.current] = self.seconds.get(self.current, 0.0) + now - self.since
            self.current = None

    def figures(self) -> dict[str, float]:
        return {f"wall_{p}_s": round(self.seconds.get(p, 0.0), 2) for p in PHASES}


def cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU seconds of one live process (None if it is gone)."""
    if pid is None:
        return None
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def sdk_seconds(metrics_dir: Path) -> dict[str, float]:
    """Sum and count of each SDK latency histogram over every scraped worker, in seconds."""
    totals = {f"{stem}_s": 0.0 for stem in SDK_HISTOGRAMS.values()}
    totals |= {f"{stem}_n": 0.0 for stem in SDK_HISTOGRAMS.values()}
    for path in sorted(metrics_dir.glob("*.prom")) if metrics_dir.is_dir() else []:
        for family in text_string_to_metric_families(path.read_text(encoding="utf-8")):
            stem = SDK_HISTOGRAMS.get(family.name)
            if stem is None:
                continue
            for sample in family.samples:
                if sample.name.endswith("_sum"):
                    totals[f"{stem}_s"] += sample.value / 1000.0
                elif sample.name.endswith("_count"):
                    totals[f"{stem}_n"] += sample.value
    return {k: round(v, 3) for k, v in totals.items()}


def where_time_went(phases: dict[str, float], cpu: dict[str, float | None],
                    sdk: dict[str, float]) -> dict[str, Any]:
    """The row's columns: phases, CPU per process group, SDK sums, and the busiest part."""
    row: dict[str, Any] = {**phases, **{f"cpu_{k}_s": (round(v, 2) if v is not None else None)
                                        for k, v in cpu.items()}, **sdk}
    known = {k: v for k, v in cpu.items() if v is not None}
    row["busiest"] = max(known, key=lambda k: known[k]) if known else None
    return row
