"""A reference service degraded on purpose: an error rate, a read-only mode, a capacity limit.

Dependencies rarely vanish; they get worse. A payments API answers 503 to one call in three,
a database fails over and turns read-only for a minute, a partner throttles with 429 beyond
N concurrent calls. The services take these modes per service through an admin endpoint,
so a fault can degrade one dependency for a window and heal it after:

- `error_rate`: that fraction of requests is answered `status` (5xx) without being applied;
  which requests is a deterministic draw from the seed, the step's ref and its attempt count.
- `read_only`: reads are served (a retried request whose effect was already applied gets its
  stored answer), writes are refused with 503.
- `capacity`: every request is held `latency` seconds; beyond `max_concurrent` in flight at
  once, a request is refused with 429 at once.

A refused request is recorded in the ledger as an attempt with outcome `degraded`, so the
checks see every call the degraded service received.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Mode = Literal["error_rate", "read_only", "capacity"]
MODES: tuple[str, ...] = ("error_rate", "read_only", "capacity")


class BadDegradation(ValueError):
    """The admin request does not describe a degradation (HTTP 400)."""


@dataclass
class Degradation:
    service: str
    mode: Mode
    error_rate: float = 1.0
    status: int = 503
    max_concurrent: int = 1
    latency: float = 0.0
    seed: int = 0
    in_flight: int = 0
    seen: dict[str, int] = field(default_factory=dict)

    @classmethod
    def parse(cls, body: Any, services: set[str]) -> Degradation:
        if not isinstance(body, dict):
            raise BadDegradation("body must be a JSON object")
        service, mode = body.get("service"), body.get("mode")
        if service not in services:
            raise BadDegradation(f"unknown service {service!r} (known: {sorted(services)})")
        if mode not in MODES:
            raise BadDegradation(f"mode must be one of {list(MODES)}, got {mode!r}")
        degradation = cls(service, mode)
        for name, kind, ok in (
            ("error_rate", float, lambda v: 0 < v <= 1),
            ("status", int, lambda v: 500 <= v <= 599),
            ("max_concurrent", int, lambda v: v >= 1),
            ("latency", float, lambda v: 0 <= v <= 60),
            ("seed", int, lambda v: v >= 0),
        ):
            if name in body:
                value = body[name]
                if isinstance(value, bool) or not isinstance(value, int | float) or (
                        kind is int and not isinstance(value, int)) or not ok(value):
                    raise BadDegradation(f"field {name!r} out of range: {value!r}")
                setattr(degradation, name, kind(value))
        return degradation

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("seen")
        return data

    def fails(self, ref: str | None) -> bool:
        """error_rate mode: whether this attempt of this step is answered with an error."""
        key = ref or ""
        self.seen[key] = self.seen.get(key, 0) + 1
        digest = hashlib.sha256(f"{self.seed}/{key}/{self.seen[key]}".encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.error_rate


class Degradations:
    """The modes in force, by service; empty when every service is healthy."""

    def __init__(self, services: set[str]) -> None:
        self.services = services
        self.active: dict[str, Degradation] = {}

    def set(self, body: Any) -> Degradation:
        degradation = Degradation.parse(body, self.services)
        self.active[degradation.service] = degradation
        return degradation

    def heal(self, service: str | None) -> list[str]:
        """Heal one service (or every one, for None); returns what was healed."""
        names = list(self.active) if service is None else [service]
        return [name for name in names if self.active.pop(name, None) is not None]

    def get(self, service: str) -> Degradation | None:
        return self.active.get(service)
