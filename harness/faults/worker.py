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
from harness.evidence.attempts import workers_with_work
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
    `when: activity_completed` crashes right after the Nth completion was reported;
    `when: activity_heartbeat` crashes at one attempt's Nth heartbeat, before it is handed
    to the SDK: from nth 2 on, that attempt had sent a checkpoint to resume from (a crash
    timed from a start or another step's completion may come before the first one).
    """

    type: Literal["worker_crash"] = "worker_crash"
    when: Literal["activity_started", "activity_completed",
                  "activity_heartbeat"] = "activity_started"
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
    """The slots to kill. `one` and `fraction` draw among the workers that are serving:
    a worker still starting (restarted by an earlier fault; 2-6 s on a loaded machine) holds
    no work, so killing it lands on nothing. Only when none serves do they draw among the
    living. Among those, workers with an activity in flight come first: one restarted half a
    second earlier serves but had picked up nothing yet (a nightly kill landed on nothing
    that way). `all` and a slot number kill what they name."""
    alive = ctx.supervisor.alive()
    if not alive:
        return []
    if spec.workers == "all":
        return alive
    if isinstance(spec.workers, int):
        return [spec.workers] if spec.workers in alive else []
    pool = [slot for slot in ctx.supervisor.serving() if slot in alive] or alive
    busy = workers_with_work(ctx.run.workers_dir)
    pool = [slot for slot in pool if ctx.supervisor.slot(slot).identity in busy] or pool
    n = 1 if spec.workers == "one" else max(1, math.ceil(len(pool) * spec.fraction))
    start = int(choice * len(pool))  # the seeded draw decides which
    return [pool[(start + i) % len(pool)] for i in range(n)]


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


# How long a rolling restart waits for a worker still starting before restarting it anyway
# (the supervisor's own wait for a worker to be ready).
SERVE_WAIT = 30.0


async def until_serving(ctx: FaultContext, slot: int, timeout: float = SERVE_WAIT) -> None:
    """Wait until the slot's worker serves (or died, or `timeout`): a worker another fault
    is restarting is taken down again only once it is up, as a deploy waits for readiness."""
    deadline = asyncio.get_running_loop().time() + timeout
    while slot in ctx.supervisor.alive() and slot not in ctx.supervisor.serving() \
            and asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(0.05)


class RollingRestartFault(Fault):
    """Each worker in turn, once it serves: two passes that overlap on a slow machine (a
    worker needing 4-6 s to start) must not kill the one the other is still starting."""

    spec: RollingRestart

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        sig = signal.Signals[self.spec.signal]
        restarted = []
        for slot in list(ctx.supervisor.alive()):
            await until_serving(ctx, slot)
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
