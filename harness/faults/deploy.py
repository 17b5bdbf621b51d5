"""Deploy: replace the workers' code for one workload (version A -> B) under running workflows.

All at once (every worker restarted on B together) or rolling (one after another, so A
and B serve the same task queue for a while, as real deploys do). An incompatible B makes
in-flight workflows fail their workflow tasks with a nondeterminism error: the situation
deploy drills exist to detect, and that a later deploy of a fixed (patched) version
recovers.
"""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace
from typing import TYPE_CHECKING, Any, Literal

from harness.durations import Duration
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.runner import RunContext


class Deploy(FaultSpec):
    """Redeploy the workers of one workload with another version of its code."""

    type: Literal["deploy"] = "deploy"
    workload: str
    to: str
    mode: Literal["all_at_once", "rolling"] = "all_at_once"
    interval: Duration = 0.5


class DeployFault(Fault):
    spec: Deploy

    async def inject(self, ctx: RunContext) -> dict[str, Any]:
        supervisor = ctx.supervisor
        previous = supervisor.slots[0].config.workloads.get(self.spec.workload)
        versions = {**supervisor.slots[0].config.workloads, self.spec.workload: self.spec.to}
        self.target = f"{self.spec.workload}:{previous}->{self.spec.to}"
        slots = [s.index for s in supervisor.slots]
        if self.spec.mode == "all_at_once":
            for index in slots:
                supervisor.kill(index, signal.SIGTERM)
            await asyncio.gather(*(
                supervisor.restart(i, replace(supervisor.slot(i).config, workloads=versions))
                for i in slots))
        else:
            for index in slots:
                config = replace(supervisor.slot(index).config, workloads=versions)
                await supervisor.restart(index, config)
                await asyncio.sleep(self.spec.interval)
        return {"target": self.target, "workload": self.spec.workload, "from": previous,
                "to": self.spec.to, "mode": self.spec.mode}
