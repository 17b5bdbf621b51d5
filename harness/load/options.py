"""`harness load` options (CLI flags only; the scenario model has no `load:` section).

Validated before anything starts (exit 2 on bad input, nothing started), including
that the load fits in the scenario's deadline: the driver is bounded by that deadline.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from harness.errors import UsageError
from harness.load.shapes import build_shape


@dataclass
class LoadOptions:
    users: int = 10
    spawn_rate: float | None = None  # users/s while ramping; None = all users within 1 s
    duration: float = 30.0
    shape: str | None = None
    shape_args: dict[str, str] = field(default_factory=dict)
    arrival_rate: float | None = None  # open loop, workflows/s over all users
    processes: int = 0  # 0 = one Locust process; N = a master and N workers
    remote_workers: int = 0  # extra workers the master waits for (other machines)
    master_port: int | None = None
    ui: bool = False
    web_port: int | None = None
    stop_timeout: float = 30.0  # in-flight requests may finish this long after the end
    drain: float = 60.0  # after Locust: wait this long for the run's workflows to close
    metrics: bool = True  # scrape the workers' Prometheus endpoints when they have one

    def validate(self, deadline: float | None = None) -> LoadOptions:
        if self.users < 1:
            raise UsageError(f"--users must be >= 1 (got {self.users})")
        if self.spawn_rate is not None and self.spawn_rate <= 0:
            raise UsageError(f"--spawn-rate must be > 0 (got {self.spawn_rate:g})")
        if self.duration <= 0:
            raise UsageError("--duration must be > 0")
        if self.arrival_rate is not None and self.arrival_rate <= 0:
            raise UsageError(f"--arrival-rate must be > 0 (got {self.arrival_rate:g})")
        if self.processes < 0 or self.remote_workers < 0:
            raise UsageError("--processes and --remote-workers must be >= 0")
        if self.remote_workers and not self.processes:
            raise UsageError("--remote-workers needs a distributed run (--processes N)")
        if self.stop_timeout < 0 or self.drain < 0:
            raise UsageError("--stop-timeout and --drain must be >= 0")
        if self.shape_args and not self.shape:
            raise UsageError("--shape-args needs --shape")
        if deadline is not None and self.load_seconds > deadline:
            raise UsageError(f"the load lasts {self.load_seconds:g}s, longer than the scenario's "
                             f"deadline of {deadline:g}s: shorten --duration or raise the deadline")
        return self

    @property
    def load_seconds(self) -> float:
        """How long Locust generates load (the shape's total when there is a shape)."""
        if self.shape:
            return float(build_shape(self.shape, self.shape_args, self.users,
                                     self.duration).total)
        return self.duration

    @property
    def rate(self) -> float:
        return self.spawn_rate if self.spawn_rate is not None else float(self.users)

    @property
    def locust_run_time(self) -> str:
        """Locust only takes whole seconds."""
        return f"{max(1, math.ceil(self.duration))}s"
