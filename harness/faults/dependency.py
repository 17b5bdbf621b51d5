"""Dependency degradation: a reference service answers errors, turns read-only, or throttles.

Beyond the network link (that is `network` on the `services` link), this is the dependency
itself getting worse for a window: the services' admin endpoint sets the mode on one
service, and the heal clears it. See harness/services/degradation.py for the modes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import aiohttp
from pydantic import Field

from harness.durations import Duration
from harness.errors import UsageError
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack

Service = Literal["inventory", "payments", "shipping", "notifications", "accounts", "fanout",
                  "approvals"]


class DependencyDegradation(FaultSpec):
    """Degrade one reference service for `duration`: `error_rate`, `read_only` or `capacity`."""

    type: Literal["dependency"] = "dependency"
    service: Service
    mode: Literal["error_rate", "read_only", "capacity"]
    error_rate: float = Field(default=1.0, gt=0, le=1)
    status: int = Field(default=503, ge=500, le=599)
    max_concurrent: int = Field(default=2, ge=1)
    latency: Duration = Field(default=0.2, ge=0, le=60)

    def preflight(self, stack: Stack) -> None:
        if self.duration is None:
            raise UsageError(f"dependency fault on {self.service}: give a 'duration' "
                             "(its window)")


class DependencyDegradationFault(Fault):
    spec: DependencyDegradation

    def __init__(self, fault_id: str, spec: DependencyDegradation) -> None:
        super().__init__(fault_id, spec, target=spec.service)

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        spec = self.spec
        body = {"service": spec.service, "mode": spec.mode, "error_rate": spec.error_rate,
                "status": spec.status, "max_concurrent": spec.max_concurrent,
                "latency": spec.latency, "seed": ctx.seed}
        return await admin(ctx.stack.services_url, "degrade", body)

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        return await admin(ctx.stack.services_url, "heal", {"service": self.spec.service})


async def admin(services_url: str, action: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST /admin/<action> on the reference services; raises on anything but 200."""
    async with aiohttp.ClientSession() as session, session.post(
            f"{services_url}/admin/{action}", json=body,
            timeout=aiohttp.ClientTimeout(total=10)) as resp:
        answer = await resp.json(content_type=None)
        if resp.status != 200:
            raise RuntimeError(f"services /admin/{action}: HTTP {resp.status}: {answer}")
        return dict(answer) if isinstance(answer, dict) else {"answer": answer}
