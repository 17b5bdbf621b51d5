"""What every fault has: when it fires (its schedule) and how it injects and heals itself.

A fault spec in a scenario is a pydantic model: the family's own fields plus these
schedule fields. At run time each firing becomes a `Fault` object whose `inject` and
`heal` are called by the nemesis; `heal` is called again in a `finally` on every exit
path, so it must be idempotent.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, Field, model_validator

from harness.durations import Duration

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack


class AfterEvents(BaseModel):
    """Fire after N events of a kind have happened in the run."""

    model_config = {"extra": "forbid"}

    # nondeterminism: workflows of the run stuck on a nondeterminism error (deploy drills)
    event: Literal["workflow_started", "activity_completed", "activity_started",
                   "nondeterminism"]
    count: int = Field(ge=1)
    activity_type: str | None = None


class FaultSpec(BaseModel):
    """Schedule fields shared by every fault family.

    at: seconds after the drivers start; after: N events; every: repeat period (with
    jitter, `times` firings at most); duration: the window after which it is healed
    (None = an instantaneous fault, healed by its own recovery step, e.g. a restart).
    """

    model_config = {"extra": "forbid"}

    type: str
    at: Duration | None = None
    after: AfterEvents | None = None
    every: Duration | None = Field(default=None, gt=0)
    jitter: Duration = 0.0
    times: int | None = Field(default=None, ge=1)
    duration: Duration | None = None
    # A fault that may not fire or may land on nothing without making the run unknown
    # (e.g. a crash aimed at a rare activity); every other fault must be seen to land.
    optional: bool = False

    @model_validator(mode="after")
    def _one_trigger(self) -> FaultSpec:
        if self.at is not None and self.after is not None:
            raise ValueError("give either 'at' or 'after', not both")
        if self.every is not None and self.after is not None:
            raise ValueError("'every' repeats from 'at'; it cannot be combined with 'after'")
        return self

    # Worker-side faults (interceptors) are armed in the workers' config at start.
    def worker_side(self, fault_id: str, seed: int) -> list[dict[str, Any]]:
        return []

    # Each family says what it needs from the stack; a UsageError here stops the run early.
    def preflight(self, stack: Stack) -> None:
        return None


class Fault:
    """One firing of a fault. Subclasses override inject and heal."""

    # Armed faults (interceptors, client faults) stay in force until the run ends unless
    # their spec gives a `duration`; the others heal right after injecting (a restart).
    armed = False

    def __init__(self, fault_id: str, spec: FaultSpec, target: str = "") -> None:
        self.fault_id = fault_id
        self.spec = spec
        self.target = target
        self.injected = False

    @property
    def name(self) -> str:
        return self.spec.type

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        """Break something; return details for the journal."""
        raise NotImplementedError

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        """Undo it; idempotent (called again in `finally`)."""
        return {}

    def params(self) -> dict[str, Any]:
        fields = set(FaultSpec.model_fields)
        return {k: v for k, v in self.spec.model_dump(mode="json").items() if k not in fields}
