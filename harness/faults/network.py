"""Network faults through toxiproxy on either link, per direction, for a window.

Links: `temporal` (workers <-> Temporal frontend), `services` (activities <-> reference
services) and, on the cluster stack, `database` (history and matching <-> PostgreSQL).
The harness's own client is never proxied, so judging is not disturbed.
Toxicity is drawn by toxiproxy once per connection, and a gRPC client holds one
long-lived connection: toxicity < 1 on the temporal link affects the whole channel or
nothing; per-call faults are the interceptor's job (duplicate_delivery).

A toxic's attributes are checked against its typed model (harness/stack/toxics.py) when the
scenario loads, so a typo is bad input, not a toxic that silently does nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationInfo, field_validator

from harness.errors import UnavailableOnStack, UsageError
from harness.faults.base import Fault, FaultSpec
from harness.stack.toxics import ToxicAttributes, toxic_attributes

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack

Toxic = Literal["latency", "bandwidth", "timeout", "reset_peer", "slow_close", "slicer",
                "limit_data", "partition"]


class NetworkDisruption(FaultSpec):
    """A toxic (or a partition: the proxy disabled) on one link, for `duration`."""

    type: Literal["network"] = "network"
    link: Literal["temporal", "services", "database"]  # database: cluster stack only
    toxic: Toxic
    stream: Literal["upstream", "downstream", "both"] = "both"
    toxicity: float = Field(default=1.0, ge=0, le=1)
    # The toxic's attributes, as given: validated against the toxic's model (stack/toxics.py)
    # so that the dumped scenario shows exactly what the user wrote.
    attributes: dict[str, Any] = Field(default_factory=dict)

    @field_validator("attributes")
    @classmethod
    def _typed_attributes(cls, value: dict[str, Any], info: ValidationInfo) -> dict[str, Any]:
        toxic = info.data.get("toxic")
        if toxic is None:
            return value  # the toxic itself was rejected: that error is the one to report
        if toxic == "partition":
            if value:
                raise ValueError("a partition takes no attributes (it disables the proxy)")
            return value
        return toxic_attributes(toxic, value).to_request()

    @property
    def typed_attributes(self) -> ToxicAttributes | None:
        """The attributes as their toxic's model (None for a partition)."""
        return None if self.toxic == "partition" else toxic_attributes(self.toxic, self.attributes)

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


class NetworkDisruptionFault(Fault):
    spec: NetworkDisruption

    def __init__(self, fault_id: str, spec: NetworkDisruption) -> None:
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
