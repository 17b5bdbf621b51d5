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

from pydantic import Field, model_validator

from harness.durations import Duration
from harness.faults.base import Fault, FaultSpec
from harness.faults.worker import until_serving

if TYPE_CHECKING:
    from harness.faults.context import FaultContext


class Deploy(FaultSpec):
    """Redeploy the workers with other versions of workloads' code: `versions` maps a
    workload to the version deployed (`workload` + `to` is the one-workload short form)."""

    type: Literal["deploy"] = "deploy"
    workload: str | None = None
    to: str | None = None
    versions: dict[str, str] = Field(default_factory=dict)
    mode: Literal["all_at_once", "rolling"] = "all_at_once"
    interval: Duration = 0.5

    @model_validator(mode="after")
    def _target(self) -> Deploy:
        if (self.workload is None) != (self.to is None):
            raise ValueError("give both 'workload' and 'to', or a 'versions' mapping")
        if self.workload is not None and self.to is not None:
            self.versions = {**self.versions, self.workload: self.to}
        if not self.versions:
            raise ValueError("a deploy needs 'versions' (workload: version) or 'workload'+'to'")
        from harness.workloads.registry import WORKLOADS

        for name, version in self.versions.items():
            if name not in WORKLOADS:
                raise ValueError(f"unknown workload {name!r}")
            if version not in WORKLOADS[name].versions:
                raise ValueError(f"unknown version {version!r} of {name} "
                                 f"(known: {', '.join(WORKLOADS[name].versions)})")
        return self


class DeployFault(Fault):
    spec: Deploy

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        supervisor = ctx.supervisor
        before = dict(supervisor.slots[0].config.workloads)
        versions = {**before, **self.spec.versions}
        self.target = ", ".join(f"{w}:{before.get(w)}->{v}" for w, v in self.spec.versions.items())
        slots = [s.index for s in supervisor.slots]
        # A worker another fault (an earlier deploy) is still starting is replaced once it
        # serves: killing it mid-start failed that fault (seen with a drill's second deploy,
        # triggered by the first one's nondeterminism, on a loaded cluster).
        if self.spec.mode == "all_at_once":
            await asyncio.gather(*(until_serving(ctx, index) for index in slots))
            for index in slots:
                supervisor.kill(index, signal.SIGTERM)
            await asyncio.gather(*(
                supervisor.restart(i, replace(supervisor.slot(i).config, workloads=versions))
                for i in slots))
        else:
            for index in slots:
                await until_serving(ctx, index)
                config = replace(supervisor.slot(index).config, workloads=versions)
                await supervisor.restart(index, config)
                await asyncio.sleep(self.spec.interval)
        return {"target": self.target, "from": {w: before.get(w) for w in self.spec.versions},
                "to": dict(self.spec.versions), "mode": self.spec.mode}
