"""Duplicate delivery of activities, injected by a worker interceptor.

Modes, each producing exactly two executions of the chosen step:
- lost_completion: run the activity, then raise a retryable error (the result is "lost");
- crash_after_effect: run it, then SIGKILL the worker before the completion is reported;
- hang: run it, then hang past the heartbeat/start-to-close timeout: a zombie beside its retry.
Which activity is hit is a deterministic function of (seed, workflow id within its run,
activity id, attempt), never a global random, so a seed replays the same hits, in every
run of the scenario.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.durations import Duration
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext


class DuplicateDelivery(FaultSpec):
    """Deliver chosen activities twice (lost completion, crash after effect, or hang)."""

    type: Literal["duplicate_delivery"] = "duplicate_delivery"
    mode: Literal["lost_completion", "crash_after_effect", "hang"] = "lost_completion"
    rate: float = Field(default=0.3, ge=0, le=1)
    activity_types: list[str] = Field(default_factory=list)  # empty: every type
    restart_after: Duration = 0.2  # crash_after_effect: when the watchdog restarts the worker

    def worker_side(self, fault_id: str, seed: int) -> list[dict[str, Any]]:
        return [{"kind": "duplicate", "fault_id": fault_id, "mode": self.mode,
                 "rate": self.rate, "activity_types": self.activity_types, "seed": seed}]


class DuplicateDeliveryFault(Fault):
    """Armed at start through the worker config; restarts workers it crashes."""

    armed = True
    spec: DuplicateDelivery

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        if self.spec.mode == "crash_after_effect":
            for slot in ctx.supervisor.slots:
                ctx.supervisor.restart_on_crash(slot.index, self.spec.restart_after)
        self.target = ",".join(self.spec.activity_types) or "all activities"
        return {"target": self.target, "armed": True}
