"""Network faults through toxiproxy on either link, per direction, for a window.

Links: `temporal` (workers <-> Temporal frontend), `services` (activities <-> reference
services) and, on the cluster stack, `database` (history and matching <-> PostgreSQL).
The harness's own client is never proxied, so judging is not disturbed.
Toxicity is drawn by toxiproxy once per connection, and a gRPC client holds one
long-lived connection: toxicity < 1 on the temporal link affects the whole channel or
nothing (see notes); per-call faults are the interceptor's job (duplicate_delivery).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.errors import UnavailableOnStack, UsageError
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack

Toxic = Literal["latency", "bandwidth", "timeout", "reset_peer", "slow_close", "slicer",
                "limit_data", "partition"]


class NetworkFault(FaultSpec):
    """A toxic (or a partition: the proxy disabled) on one link, for `duration`."""

    type: Literal["network"] = "network"
    link: Literal["temporal", "services", "database"]  # database: cluster stack only
    toxic: Toxic
    stream: Literal["upstream", "downstream", "both"] = "both"
    toxicity: float = Field(default=1.0, ge=0, le=1)
    # toxiproxy attributes: latency{latency,jitter} ms, bandwidth{rate} KB/s,
    # timeout{timeout} ms (0 = blackhole), reset_peer{timeout}, slow_close{delay},
    # slicer{average_size,size_variation,delay}, limit_data{bytes}
    attributes: dict[str, int] = Field(default_factory=dict)

    def preflight(self, stack: Stack) -> None:
        if self.duration is None:
            raise UsageError(f"network fault on {self.link}: give a 'duration' (its window)")
        if self.link == "temporal" and not stack.network_faults_on_temporal_link:
            raise UnavailableOnStack("network faults on the temporal link are unavailable: the "
                                     "external cluster is not on loopback, so workers connect "
                                     "directly")
        if self.link == "database" and stack.kind != "cluster":
            raise UnavailableOnStack("network faults on the database link need the harness's "
                                     "cluster stack (--cluster, or `stack: cluster`)")


class NetworkFaultFault(Fault):
    spec: NetworkFault

    def __init__(self, fault_id: str, spec: NetworkFault) -> None:
        super().__init__(fault_id, spec, target=spec.link)
        self.toxics: list[str] = []
        self.disabled = False

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        proxy = ctx.stack.toxiproxy
        assert proxy is not None
        if self.spec.toxic == "partition":
            proxy.disable(self.spec.link)
            self.disabled = True
            return {"target": self.spec.link, "partition": True}
        streams = ["upstream", "downstream"] if self.spec.stream == "both" else [self.spec.stream]
        for stream in streams:
            name = f"{self.fault_id}-{self.spec.toxic}-{stream}"
            proxy.add_toxic(self.spec.link, self.spec.toxic, stream=stream,
                            toxicity=self.spec.toxicity, attributes=dict(self.spec.attributes),
                            name=name)
            self.toxics.append(name)
        return {"target": self.spec.link, "toxics": self.toxics}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        proxy = ctx.stack.toxiproxy
        if proxy is None:
            return {}
        healed: dict[str, Any] = {}
        if self.disabled:
            proxy.enable(self.spec.link)
            self.disabled = False
            healed["enabled"] = self.spec.link
        removed = []
        for name in self.toxics:
            proxy.remove_toxic(self.spec.link, name)
            removed.append(name)
        self.toxics = []
        if removed:
            healed["removed"] = removed
        return healed
