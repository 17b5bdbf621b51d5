"""The nemesis: fires the planned faults beside the drivers, and always heals them.

Each planned firing waits for its trigger (a time, or N events), injects, waits out its
window and heals; every inject and heal is journaled. Whatever ends the run (the drivers
finishing, an error, Ctrl-C), the `finally` heals every fault still injected and verifies
toxiproxy is clean before the run goes on to collect evidence.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.evidence.attempts import AttemptLogTail
from harness.faults.base import Fault, FaultSpec
from harness.faults.registry import make_fault
from harness.schedule import PlannedFiring, plan, to_json

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.scenario import Scenario
    from harness.stack.stack import Stack


class EventCounter:
    """Counts workflow starts and activity events as the run goes, reading files incrementally."""

    def __init__(self, workers_dir: Path) -> None:
        self.tail = AttemptLogTail(workers_dir)
        self.counts: dict[tuple[str, str | None], int] = {}

    def refresh(self) -> None:
        for entry in self.tail.new_events():
            for key in ((entry["event"], None), (entry["event"], entry.get("activity_type"))):
                self.counts[key] = self.counts.get(key, 0) + 1

    async def count(self, ctx: FaultContext, event: str, activity_type: str | None) -> int:
        if event == "workflow_started":
            return len(ctx.started_ids)
        if event == "nondeterminism":
            from harness.versions.detect import count_stuck

            return await count_stuck(ctx.client, ctx.run_id)
        self.refresh()
        return self.counts.get((event.removeprefix("activity_"), activity_type), 0)


class Nemesis:
    def __init__(self, scenario: Scenario, seed: int) -> None:
        self.specs: list[FaultSpec] = list(scenario.faults)  # type: ignore[arg-type]
        self.seed = seed
        self.firings = plan(self.specs, seed, scenario.deadline)
        self.faults: list[tuple[PlannedFiring, Fault]] = [
            (f, make_fault(f.fault_id, self.specs[f.spec_index], f.choice)) for f in self.firings
        ]
        self.executed: list[dict[str, Any]] = []
        # Injects and heals under way: they run to their end (and are journaled) even
        # when the run ends meanwhile; the nemesis waits for them before healing all.
        self.in_progress: set[asyncio.Task[Any]] = set()

    def worker_faults(self) -> list[dict[str, Any]]:
        """Interceptor-side faults, armed in every worker's config at start."""
        out: list[dict[str, Any]] = []
        for firing, fault in self.faults:
            out += fault.spec.worker_side(firing.fault_id, self.seed)
        return out

    def preflight(self, stack: Stack) -> None:
        for spec in self.specs:
            spec.preflight(stack)

    def write_plan(self, run_path: Path) -> None:
        (run_path / "planned_schedule.json").write_text(to_json(self.firings), encoding="utf-8")

    async def __call__(self, ctx: FaultContext) -> None:
        watchdog = asyncio.create_task(ctx.supervisor.watch())
        counter = EventCounter(ctx.run.workers_dir)
        tasks = [asyncio.create_task(self._fire(ctx, counter, firing, fault))
                 for firing, fault in self.faults]
        try:
            await asyncio.gather(*tasks)
            await asyncio.Event().wait()  # keep the watchdog until the drivers are done
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
            if self.in_progress:
                await asyncio.wait(self.in_progress, timeout=60)
            await self.heal_all(ctx)
            watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watchdog
            self.verify_clean(ctx)
            ctx.run.write_json("executed_schedule.json", self.executed)

    async def _fire(self, ctx: FaultContext, counter: EventCounter, firing: PlannedFiring,
                    fault: Fault) -> None:
        await self._wait_trigger(ctx, counter, firing)
        # An inject that has begun runs to its end even if the run ends meanwhile (a rolling
        # deploy takes seconds): half-done faults are neither journaled nor healable.
        injecting = asyncio.create_task(self._inject(ctx, firing, fault))
        self.in_progress.add(injecting)
        if not await asyncio.shield(injecting):
            return
        if firing.duration is not None:
            await asyncio.sleep(firing.duration)
        elif fault.armed:
            return  # in force until the run ends; healed in the nemesis' finally
        # A heal that has begun (a restart) also runs to its end: cut short, it would be
        # neither journaled nor done again (the fault no longer counts as injected).
        healing = asyncio.create_task(self._heal(ctx, firing, fault, self._record(firing)))
        self.in_progress.add(healing)
        await asyncio.shield(healing)

    async def _inject(self, ctx: FaultContext, firing: PlannedFiring, fault: Fault) -> bool:
        record: dict[str, Any] = {"fault_id": firing.fault_id, "type": firing.type,
                                  "planned_at": firing.at}
        self.executed.append(record)
        started = time.time()
        try:
            details = await fault.inject(ctx)
        except Exception as err:  # noqa: BLE001 - journaled; the run goes on
            record["error"] = repr(err)
            ctx.journal.fault("inject", firing.type, fault_id=firing.fault_id, error=repr(err))
            return False
        fault.injected = True
        record["injected_at"] = round(time.time() - ctx.driving_started, 3)
        record["target"] = fault.target
        # `started`: when the fault began to bite (a rolling restart is journaled at its end).
        ctx.journal.fault("inject", firing.type, fault_id=firing.fault_id, target=fault.target,
                          params=fault.params(), details=details, started=started)
        return True

    async def _wait_trigger(self, ctx: FaultContext, counter: EventCounter,
                            firing: PlannedFiring) -> None:
        if firing.after is not None:
            after = firing.after
            period = 1.0 if after["event"] == "nondeterminism" else 0.05
            while await counter.count(ctx, after["event"], after.get("activity_type")) \
                    < after["count"]:
                await asyncio.sleep(period)
            return
        delay = (firing.at or 0.0) - (time.time() - ctx.driving_started)
        if delay > 0:
            await asyncio.sleep(delay)

    async def _heal(self, ctx: FaultContext, firing: PlannedFiring, fault: Fault,
                    record: dict[str, Any]) -> None:
        if not fault.injected:
            return
        # Still injected until its heal returns: a heal cut short (the run ended while it
        # waited to restart something) is done again by heal_all, never skipped.
        try:
            details = await fault.heal(ctx)
        except Exception as err:  # noqa: BLE001
            fault.injected = False
            record["heal_error"] = repr(err)
            ctx.journal.fault("heal", firing.type, fault_id=firing.fault_id, target=fault.target,
                              error=repr(err))
            return
        fault.injected = False
        record["healed_at"] = round(time.time() - ctx.driving_started, 3)
        ctx.journal.fault("heal", firing.type, fault_id=firing.fault_id, target=fault.target,
                          details=details)

    def _record(self, firing: PlannedFiring) -> dict[str, Any]:
        return next((r for r in self.executed if r["fault_id"] == firing.fault_id), {})

    async def heal_all(self, ctx: FaultContext) -> None:
        """Heal whatever is still injected; shielded so a second Ctrl-C cannot skip it."""
        for firing, fault in self.faults:
            await asyncio.shield(self._heal(ctx, firing, fault, self._record(firing)))

    def verify_clean(self, ctx: FaultContext) -> None:
        proxy = ctx.stack.toxiproxy
        if proxy is None:
            return
        problems = proxy.problems()
        if problems:
            problems = proxy.heal()  # last resort: reset everything
        ctx.journal.record("nemesis", type="verify", toxiproxy_problems=problems)
