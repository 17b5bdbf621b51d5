"""Client-side fault state, owned by the workloads' drivers.

The `client_retry` fault arms it (in the harness process, or through a file in each Locust
process); the journaled client operations in `workloads/base.py` ask it whether a call's
response is lost, in which case they retry with the same workflow id or request id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.coin import chosen, within_run


@dataclass
class ClientFaults:
    """What the drivers ask: should this call's response be lost?"""

    seed: int = 0
    rates: dict[str, float] = field(default_factory=dict)
    active: bool = False

    def lose(self, op: str, key: str) -> bool:
        """`key` names the workflow (and request) the call is for, run id first."""
        rate = self.rates.get(op, 0.0)
        return self.active and rate > 0 and chosen(self.seed, within_run(key), op, 1, rate)
