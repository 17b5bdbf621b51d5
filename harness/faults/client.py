"""Client-side faults: a start, signal or update whose response is lost.

The client then retries with the same workflow id or request id, exercising the
server's id-reuse rules and the workflow's request-id dedupe. The drivers consult
`ClientFaults.lose(op, key)`; the choice is a deterministic function of the seed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.faults.activity import chosen
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.runner import RunContext

Op = Literal["start", "signal", "update"]


class ClientRetry(FaultSpec):
    """Lose the response of client calls at `rate`; the client retries with the same ids."""

    type: Literal["client_retry"] = "client_retry"
    ops: list[Op] = Field(default_factory=lambda: ["start", "signal", "update"])
    rate: float = Field(default=0.3, ge=0, le=1)


@dataclass
class ClientFaults:
    """What the drivers ask: should this call's response be lost?"""

    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    active: bool = False

    def lose(self, op: str, key: str) -> bool:
        rate = self.rates.get(op, 0.0)
        return self.active and rate > 0 and chosen(self.seed, key, op, 1, rate)


class ClientRetryFault(Fault):
    armed = True
    spec: ClientRetry

    async def inject(self, ctx: RunContext) -> dict[str, Any]:
        faults = ctx.client_faults
        faults.seed = ctx.seed
        for op in self.spec.ops:
            faults.rates[op] = self.spec.rate
        faults.active = True
        self.target = ",".join(self.spec.ops)
        return {"target": self.target}

    async def heal(self, ctx: RunContext) -> dict[str, Any]:
        if not ctx.client_faults.active:
            return {}
        ctx.client_faults.active = False
        return {"target": self.target}
