"""Rate limiting: the embedded server restarted with lower namespace limits for a window.

Temporal throttles a namespace that exceeds its request rate (`frontend.namespaceRPS`, with
a burst of `frontend.namespaceBurstRatio` times that): calls get RESOURCE_EXHAUSTED and the
SDKs back off. Driving load past a lowered limit shows what throttling costs (latency,
backlog) and proves it costs nothing else (no lost or duplicated work).

The dev server reads dynamic config at start only, so the limits are applied by restarting
it on the same database and port with the extra values, and lifted by restarting it again
with the stack's own values: each switch is a short server restart, visible in the journal.
Only the embedded server can be reconfigured this way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.errors import UnavailableOnStack, UsageError
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack


class RateLimit(FaultSpec):
    """Lower the namespace's request rate (and any other dynamic config) for `duration`."""

    type: Literal["rate_limit"] = "rate_limit"
    namespace_rps: int = Field(ge=1)
    burst_ratio: float = Field(default=1.0, gt=0)
    # Further server dynamic config for the window, KEY: VALUE as the server reads it.
    dynamic_config: dict[str, str] = Field(default_factory=dict)

    def preflight(self, stack: Stack) -> None:
        if stack.kind != "dev":
            where = (f"an external cluster ({stack.options.temporal_address})"
                     if stack.kind == "external" else "the cluster stack")
            raise UnavailableOnStack(
                f"fault rate_limit is unavailable against {where}: the harness can only "
                "reconfigure the embedded dev server it owns; lower the limits on the "
                "cluster instead")
        if self.duration is None:
            raise UsageError("rate_limit fault: give a 'duration' (its window)")

    def limits(self) -> dict[str, str]:
        return {"frontend.namespaceRPS": str(self.namespace_rps),
                "frontend.namespaceBurstRatio": str(self.burst_ratio), **self.dynamic_config}


class RateLimitFault(Fault):
    spec: RateLimit

    def __init__(self, fault_id: str, spec: RateLimit) -> None:
        super().__init__(fault_id, spec, target="temporal")
        self.original: dict[str, str] | None = None

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        server = ctx.stack.temporal
        assert server is not None
        self.original = dict(server.dynamic_config)
        server.dynamic_config = {**self.original, **self.spec.limits()}
        server.stop(5.0)
        await server.start()
        return {"target": "temporal", "dynamic_config": self.spec.limits()}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        server = ctx.stack.temporal
        if self.original is None or server is None:
            return {}
        server.dynamic_config, self.original = self.original, None
        server.stop(5.0)
        await server.start()
        return {"dynamic_config": "restored"}
