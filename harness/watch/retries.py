"""Retries per effect and request rates, from the services' ledger.

The ledger records every request a reference service received, refused ones included, so
it counts what histories cannot: only an activity's last attempt is in its history, and an
activity that loops over its own calls leaves one attempt there however many requests it
sent. An "effect" is one logical step, identified by its `ref` (`<workflow id>/<step>`).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from harness.evidence.measurements import Distribution


def attempts_per_effect(attempts: list[dict[str, Any]], service: str | None = None
                        ) -> Counter[str]:
    """Requests per ref (of one service, or of every service)."""
    return Counter(str(a.get("ref")) for a in attempts
                   if a.get("ref") and (service is None or a.get("service") == service))


def requests_between(attempts: list[dict[str, Any]], service: str, start: float,
                     end: float) -> int:
    """Requests a service received in [start, end]."""
    return sum(1 for a in attempts if a.get("service") == service
               and isinstance(a.get("t"), int | float) and start <= a["t"] <= end)


def retries_figures(attempts: list[dict[str, Any]] | None) -> dict[str, Any] | None:
    """Requests per effect over the run (max, p95), by service; None without a ledger."""
    if attempts is None:
        return None
    per_service: dict[str, Any] = {}
    for service in sorted({str(a.get("service")) for a in attempts}):
        counts = attempts_per_effect(attempts, service)
        dist = Distribution.of(counts.values())
        per_service[service] = {
            "effects": len(counts), "requests": sum(counts.values()),
            "per_effect_p95": dist.p95, "per_effect_max": dist.max,
            "degraded": sum(1 for a in attempts if a.get("service") == service
                            and a.get("outcome") == "degraded"),
        }
    everything = attempts_per_effect(attempts)
    dist = Distribution.of(everything.values())
    return {"effects": len(everything), "requests": sum(everything.values()),
            "per_effect_p95": dist.p95, "per_effect_max": dist.max,
            "by_service": per_service}
