"""CPU and memory of the processes under test, sampled with psutil while a run drives.

Why sample rather than read totals at the end: workers are stopped (and may be killed and
replaced by faults) before anyone could ask, so the sampler follows whatever pids are alive
at each tick, keeps each pid's first and last CPU times and the peak resident memory.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import psutil


@dataclass
class _Proc:
    first_cpu: float
    last_cpu: float
    peak_rss: int


@dataclass
class ResourceSampler:
    """Samples `pids()` every `interval` seconds until cancelled; one group per label."""

    groups: dict[str, Callable[[], list[int]]]
    interval: float = 0.25
    procs: dict[str, dict[int, _Proc]] = field(default_factory=dict)
    peak_total_rss: dict[str, int] = field(default_factory=dict)
    started: float = 0.0
    ended: float = 0.0

    async def run(self) -> None:
        self.started = time.monotonic()
        try:
            while True:
                self.sample()
                await asyncio.sleep(self.interval)
        finally:
            self.sample()
            self.ended = time.monotonic()

    def sample(self) -> None:
        for label, pids in self.groups.items():
            seen = self.procs.setdefault(label, {})
            total = 0
            for pid in pids():
                with contextlib.suppress(psutil.Error):
                    proc = psutil.Process(pid)
                    with proc.oneshot():
                        times = proc.cpu_times()
                        cpu = times.user + times.system
                        rss = proc.memory_info().rss
                    total += rss
                    entry = seen.get(pid)
                    if entry is None:
                        seen[pid] = _Proc(cpu, cpu, rss)
                    else:
                        entry.last_cpu, entry.peak_rss = cpu, max(entry.peak_rss, rss)
            self.peak_total_rss[label] = max(self.peak_total_rss.get(label, 0), total)

    def figures(self, label: str) -> dict[str, float]:
        """cpu_seconds, cpu_cores (mean over the window), rss_peak_mb (all pids together)."""
        window = max(1e-9, (self.ended or time.monotonic()) - self.started)
        procs = self.procs.get(label, {}).values()
        cpu = sum(p.last_cpu - p.first_cpu for p in procs)
        return {"cpu_seconds": round(cpu, 3), "cpu_cores": round(cpu / window, 3),
                "rss_peak_mb": round(self.peak_total_rss.get(label, 0) / 2**20, 1)}
