"""Driving a run: the workloads' drivers under bounded concurrency and a deadline, with the
nemesis beside them.

A `RunDriver` is what the runner calls to generate load; `drive_all` is the default (every
instance of every workload of the scenario), Locust's driver and the scale sweep's are
others. Each returns True if the scenario's deadline cut it short.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from harness.journal import Journal
from harness.run_context import RunContext
from harness.workloads.base import DriveContext
from harness.workloads.registry import get_workload

# A run driver drives the workloads and returns True if the deadline cut it short.
RunDriver = Callable[[RunContext], Awaitable[bool]]
# A nemesis runs beside the driver (faults) until cancelled; it must heal in `finally`.
NemesisFn = Callable[[RunContext], Awaitable[None]]


async def drive_with_nemesis(ctx: RunContext, driver: RunDriver, nemesis: NemesisFn | None
                             ) -> bool:
    """Run the driver with the nemesis beside it; the nemesis is stopped (and heals) after."""
    ctx.driving_started = time.time()
    if nemesis is None:
        return await driver(ctx)
    faults = asyncio.create_task(nemesis(ctx))
    try:
        return await driver(ctx)
    finally:
        faults.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await faults


async def drive_all(ctx: RunContext) -> bool:
    """Drive every workload until done or the deadline; True if the deadline cut it short."""
    scenario, progress, journal = ctx.scenario, ctx.progress, ctx.journal
    started_ids = ctx.started_ids

    def on_started(wid: str) -> None:
        started_ids.append(wid)
        progress.update(started=progress.started + 1)

    def on_finished(_wid: str, ok: bool) -> None:
        if ok:
            progress.update(completed=progress.completed + 1)
        else:
            progress.update(failed=progress.failed + 1)

    queues: list[StartQueue] = []
    names = [spec.name for spec in scenario.workloads]
    for position, spec in enumerate(scenario.workloads):
        workload = get_workload(spec.name)
        label = workload.name if names.count(spec.name) == 1 else f"{workload.name}.{position}"
        drive_ctx = DriveContext(client=ctx.client, journal=journal, run_id=ctx.run_id,
                                 task_queue=ctx.task_queue, seed=ctx.seed,
                                 workload=workload.name,
                                 params=workload.params_model(**spec.params), label=label,
                                 client_faults=ctx.client_faults,
                                 on_started=on_started, on_finished=on_finished)
        queues.append(StartQueue(label, spec.count, spec.concurrency, workload.drive, drive_ctx,
                                 journal))
    tasks = [task for queue in queues for task in queue.start()]
    _done, pending = await asyncio.wait(tasks, timeout=scenario.deadline)
    for task in pending:
        task.cancel()
    for task in pending:
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task
    cut = {q.label: q.not_started for q in queues if q.not_started}
    if pending or cut:
        journal.record("run", type="deadline_cut", not_started=cut)
    return bool(pending)


class StartQueue:
    """Starts one workload's workflows from a bounded queue: `concurrency` drivers pull the
    next index until `count` are driven, so memory grows with the concurrency, never with
    the count. What the deadline cuts before it started is counted (`not_started`)."""

    def __init__(self, label: str, count: int, concurrency: int, drive: Any,
                 ctx: DriveContext, journal: Journal) -> None:
        self.label, self.count, self.drive, self.ctx = label, count, drive, ctx
        self.lanes = max(1, min(concurrency, count))
        self.journal = journal
        self.next_index = 0

    @property
    def not_started(self) -> int:
        return self.count - self.next_index

    def start(self) -> list[asyncio.Task[None]]:
        return [asyncio.create_task(self._lane()) for _ in range(self.lanes)]

    async def _lane(self) -> None:
        while self.next_index < self.count:
            index = self.next_index
            self.next_index += 1
            try:
                await self.drive(self.ctx, index)
            except Exception as err:  # noqa: BLE001 - judged by liveness, the run goes on
                self.journal.record("run", type="driver_error", workload=self.label,
                                    index=index, error=repr(err))
