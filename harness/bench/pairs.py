"""Interleaved A/B measurements and the ratio each pair gives: median, min, max, spread.

Why pairs: one run of A then one run of B moved a ratio by 30% between two invocations on
the same machine. What moves a throughput here is mostly time-dependent (the server's
database grows, other processes take the CPU for a while, the first runs are slower), so
each ratio is taken between an A and a B measured next to each other, several times, and
the median of those ratios is reported with its range.

Order inside pairs alternates (A B, B A, A B, ...): with A B A B a slow drift (the database
growing run after run) always lands on B and biases every pair the same way; alternating
the order cancels a linear drift between consecutive pairs.
"""

from __future__ import annotations

import gc
import statistics
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

SPREAD_LIMIT = 0.10  # (max - min) / median above this: the ratio is flagged as unstable

Measure = Callable[[int], Awaitable[dict[str, Any]]]
Settle = Callable[[], Awaitable[object]]


def ratio_summary(ratios: list[float]) -> dict[str, Any]:
    """Median, min, max and relative spread of per-pair ratios; flagged above 10%."""
    if not ratios:
        return {"median": None, "min": None, "max": None, "spread": None, "pairs": 0,
                "unstable": None, "ratios": []}
    median = statistics.median(ratios)
    spread = (max(ratios) - min(ratios)) / median if median else None
    return {"median": round(median, 3), "min": round(min(ratios), 3),
            "max": round(max(ratios), 3), "spread": round(spread, 3) if spread is not None
            else None, "pairs": len(ratios), "unstable": spread is None or spread > SPREAD_LIMIT,
            "ratios": [round(r, 3) for r in ratios]}


@dataclass
class Interleaved:
    """`pairs` pairs of measurements of A and B, alternating which goes first."""

    a: Measure
    b: Measure
    figure: str  # the key of each measurement's dict that the ratio divides (B / A)
    settle: Settle | None = None  # awaited before each measurement (e.g. a quiet server)
    a_runs: list[dict[str, Any]] = field(default_factory=list)
    b_runs: list[dict[str, Any]] = field(default_factory=list)

    async def run(self, pairs: int) -> Interleaved:
        for i in range(pairs):
            order = (("a", self.a), ("b", self.b))
            for side, measure in order if i % 2 == 0 else order[::-1]:
                # A full collection before each measurement, not during it: the harness
                # process holds what earlier phases read, and a collection in the window
                # lands on one side only.
                gc.collect()
                waited = await self.settle() if self.settle is not None else None
                result = await measure(i)
                if isinstance(waited, int | float):
                    result = {**result, "settle_s": waited}  # kept in the raw figures
                (self.a_runs if side == "a" else self.b_runs).append(result)
        return self

    def ratios(self) -> list[float]:
        return [b[self.figure] / a[self.figure] for a, b in zip(self.a_runs, self.b_runs,
                                                                  strict=True)
                if a.get(self.figure) and b.get(self.figure)]

    def summary(self) -> dict[str, Any]:
        return ratio_summary(self.ratios())

    def raw(self) -> dict[str, Any]:
        return {"a": self.a_runs, "b": self.b_runs}
