"""Client-side faults: a start, signal or update whose response is lost.

The client then retries with the same workflow id or request id, exercising the
server's id-reuse rules and the workflow's request-id dedupe. This fault only arms the
workloads' `ClientFaults` (harness/workloads/client_faults.py); the drivers consult it, and
the choice is a deterministic function of the seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext

Op = Literal["start", "signal", "update"]


class ClientRetry(FaultSpec):
    """Lose the response of client calls at `rate`; the client retries with the same ids."""

    type: Literal["client_retry"] = "client_retry"
    ops: list[Op] = Field(default_factory=lambda: ["start", "signal", "update"])
    rate: float = Field(default=0.3, ge=0, le=1)


class ClientRetryFault(Fault):
    armed = True
    spec: ClientRetry

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        faults = ctx.client_faults
        faults.seed = ctx.seed
        for op in self.spec.ops:
            faults.rates[op] = self.spec.rate
        faults.active = True
        self.target = ",".join(self.spec.ops)
        return {"target": self.target}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        if not ctx.client_faults.active:
            return {}
        ctx.client_faults.active = False
        return {"target": self.target}
