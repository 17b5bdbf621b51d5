"""Worker faults: kill (SIGKILL or SIGTERM) one, a fraction or all workers; rolling restarts;
aimed crashes triggered from inside a worker so they land mid-step every time.
"""

from __future__ import annotations

import asyncio
import math
import signal
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.durations import Duration
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext


class WorkerKill(FaultSpec):
    """Kill workers with SIGKILL (a crash) or SIGTERM (graceful), then restart them or not."""

    type: Literal["worker_kill"] = "worker_kill"
    signal: Literal["SIGKILL", "SIGTERM"] = "SIGKILL"
    workers: Literal["one", "all", "fraction"] | int = "one"
    fraction: float = Field(default=0.5, gt=0, le=1)
    grace: Duration = 5.0
    # None: never restarted (the remaining workers must carry the load).
    restart_after: Duration | None = 0.0


class RollingRestart(FaultSpec):
    """Restart every worker one after another, as a deploy does."""

    type: Literal["rolling_restart"] = "rolling_restart"
    signal: Literal["SIGKILL", "SIGTERM"] = "SIGTERM"
    interval: Duration = 1.0
    grace: Duration = 5.0


class WorkerCrash(FaultSpec):
    """An aimed crash: the worker SIGKILLs itself at the Nth matching activity event.

    Triggered from inside the worker (an interceptor), so it lands mid-step every time:
    `when: activity_started` with a `delay` crashes while the activity is in flight;
    `when: activity_completed` crashes right after the Nth completion was reported.
    """

    type: Literal["worker_crash"] = "worker_crash"
    when: Literal["activity_started", "activity_completed"] = "activity_started"
    activity_type: str | None = None
    nth: int = Field(default=1, ge=1)
    delay: Duration = 0.0
    slot: int = Field(default=1, ge=1)
    restart_after: Duration | None = 0.0

    def worker_side(self, fault_id: str, seed: int) -> list[dict[str, Any]]:
        return [{"kind": "crash", "fault_id": fault_id, "when": self.when,
                 "activity_type": self.activity_type, "nth": self.nth, "delay": self.delay,
                 "slot": self.slot, "incarnation": 1}]


def pick_slots(ctx: FaultContext, spec: WorkerKill, choice: float) -> list[int]:
    alive = ctx.supervisor.alive()
    if not alive:
        return []
    if spec.workers == "all":
        return alive
    if isinstance(spec.workers, int):
        return [spec.workers] if spec.workers in alive else []
    n = 1 if spec.workers == "one" else max(1, math.ceil(len(alive) * spec.fraction))
    start = int(choice * len(alive))  # the seeded draw decides which
    return [alive[(start + i) % len(alive)] for i in range(n)]


class WorkerKillFault(Fault):
    spec: WorkerKill

    def __init__(self, fault_id: str, spec: WorkerKill, choice: float) -> None:
        super().__init__(fault_id, spec)
        self.choice = choice
        self.slots: list[int] = []
        self.restarted = False

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        self.slots = pick_slots(ctx, self.spec, self.choice)
        sig = signal.Signals[self.spec.signal]
        victims = []
        for slot in self.slots:
            identity = ctx.supervisor.slot(slot).identity
            ctx.supervisor.expect_down(slot)
            ctx.supervisor.kill(slot, sig, self.spec.grace)
            victims.append(identity)
        self.target = ",".join(victims)
        return {"target": self.target, "slots": self.slots}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        if self.restarted or self.spec.restart_after is None:
            return {}
        self.restarted = True
        await asyncio.sleep(self.spec.restart_after)
        started = []
        for slot in self.slots:
            await ctx.supervisor.restart(slot)
            started.append(ctx.supervisor.slot(slot).identity)
        return {"restarted": started}


class RollingRestartFault(Fault):
    spec: RollingRestart

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        sig = signal.Signals[self.spec.signal]
        restarted = []
        for slot in list(ctx.supervisor.alive()):
            ctx.supervisor.expect_down(slot)
            ctx.supervisor.kill(slot, sig, self.spec.grace)
            await ctx.supervisor.restart(slot)
            restarted.append(ctx.supervisor.slot(slot).identity)
            await asyncio.sleep(self.spec.interval)
        self.target = ",".join(restarted)
        return {"target": self.target}


class WorkerCrashFault(Fault):
    """Armed at start (worker config); the watchdog restarts the worker when it dies."""

    armed = True
    spec: WorkerCrash

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        self.target = f"worker-{self.spec.slot}"
        ctx.supervisor.restart_on_crash(self.spec.slot, self.spec.restart_after)
        return {"target": self.target, "armed": True}
