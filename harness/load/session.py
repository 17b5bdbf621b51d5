"""What one Locust process holds: the bridge, one Temporal client, the drive contexts.

Every request runs a workload's own driver (the same function `harness run` uses), so each
workflow is journaled (invoke / ok / fail / info) and carries the run-id search attribute.
Ids are unique across processes and users: `<run_id>/<label>-<process>-<counter>`; the driver
sees index = process * STRIDE + counter, so seeded choices and business ids never collide.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib
import itertools
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

from greenlet import GreenletExit
from pydantic import BaseModel

from harness.load.bridge import AsyncBridge
from harness.load.client_faults import CLIENT_FAULTS_FILE, SyncedClientFaults
from harness.load.outcomes import OutcomeJournal
from harness.load.plan import LoadPlan, LoadTarget
from harness.stack.connection import TemporalConnection
from harness.workloads.base import DriveContext

STRIDE = 1_000_000_000
KILLED = "killed at stop: the client stopped waiting (journaled as info)"

Drive = Callable[[DriveContext, int], Awaitable[None]]
# (request name, seconds, error or None): the locustfile turns it into events.request.
Report = Callable[[str, float, str | None], None]


class NoParams(BaseModel):
    model_config = {"extra": "allow"}


@dataclass
class LoadDriveContext(DriveContext):
    """A DriveContext whose workflow ids name the Locust process that started them."""

    process: int = 0

    def workflow_id(self, index: int) -> str:
        return f"{self.run_id}/{self.label or self.workload}-{index // STRIDE}-{index % STRIDE}"


def resolve_drive(target: LoadTarget) -> tuple[str, Drive, BaseModel]:
    """(workload name, driver, params) of a target: a registered workload (or a user's, by
    import path), or a bare driver function for the benchmark."""
    if target.drive:
        module, _, name = target.drive.partition(":")
        return (target.name, getattr(importlib.import_module(module), name),
                NoParams(**target.params))
    from harness.workloads.registry import get_workload

    workload = get_workload(target.name)
    return workload.name, workload.drive, workload.params_model(**target.params)


def weighted_cycle(weights: list[int]) -> list[int]:
    """Target indexes in proportion to their weights (reduced by their gcd), interleaved."""
    divisor = reduce(math.gcd, weights) or 1
    counts = [max(1, w // divisor) for w in weights]
    total = sum(counts)
    slots = sorted((k * total / c, i) for i, c in enumerate(counts) for k in range(c))
    return [i for _, i in slots]


class LoadSession:
    def __init__(self, plan: LoadPlan, process: int) -> None:
        self.plan = plan
        self.process = process
        self.bridge = AsyncBridge().start()
        self.journal = OutcomeJournal(plan.journal_path(process))
        self.client = self.bridge.call(
            TemporalConnection.from_json(plan.temporal).connect(patient=True))
        self.client_faults = SyncedClientFaults(Path(plan.journal_dir) / CLIENT_FAULTS_FILE)
        self.targets: list[tuple[LoadDriveContext, Drive]] = []
        for target in plan.targets:
            name, drive, params = resolve_drive(target)
            ctx = LoadDriveContext(
                client=self.client, journal=self.journal, run_id=plan.run_id,
                task_queue=plan.task_queue, seed=plan.seed, workload=name, params=params,
                label=target.label, client_faults=self.client_faults.faults, process=process)
            self.targets.append((ctx, drive))
        self._cycle = weighted_cycle([t.weight for t in plan.targets])
        self._counter = itertools.count()

    def request(self, report: Report) -> None:
        """One workflow, start to end; blocks this greenlet only. Reports exactly once."""
        self.client_faults.refresh()
        n = next(self._counter)
        ctx, drive = self.targets[self._cycle[n % len(self._cycle)]]
        name = ctx.label
        started = time.perf_counter()
        future = self.bridge.submit(self._run(drive, ctx, self.process * STRIDE + n))
        try:
            ok, error = self.bridge.wait(future)
        except GreenletExit:
            report(name, time.perf_counter() - started, KILLED)
            raise
        except concurrent.futures.CancelledError:
            ok, error = False, KILLED  # the process is shutting down (SIGTERM, deadline)
        except Exception as err:  # noqa: BLE001 - a request never crashes the user
            ok, error = False, f"harness error: {err!r}"
        report(name, time.perf_counter() - started, None if ok else error)

    async def _run(self, drive: Drive, ctx: LoadDriveContext,
                   index: int) -> tuple[bool, str | None]:
        wid = ctx.workflow_id(index)
        try:
            await drive(ctx, index)
        except asyncio.CancelledError:
            self.journal.close_open(wid, "cancelled: the load process stopped before the "
                                         "outcome was known")
            raise
        except Exception as err:  # noqa: BLE001 - journaled as indeterminate
            self.journal.close_open(wid, repr(err))
            self.journal.verdict(wid)
            return False, f"driver error: {type(err).__name__}"
        return self.journal.verdict(wid)

    def close(self, sleep: Callable[[float], Any]) -> dict[str, int]:
        """Let in-flight starts settle (so Temporal's count matches Locust's), then cancel
        what is still waiting; each cancelled operation is journaled as `info`."""
        deadline = time.monotonic() + self.plan.start_settle
        while self.journal.starting() and time.monotonic() < deadline:
            sleep(0.05)
        unsettled = self.journal.starting()
        cancelled = self.bridge.cancel_pending()
        self.bridge.stop()
        self.journal.close()
        return {"cancelled": cancelled, "unsettled_starts": unsettled}
