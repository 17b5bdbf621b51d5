"""Interleaved A/B pairs: alternating order, ratio per pair, median/min/max, spread flag."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.bench.pairs import Interleaved, ratio_summary
from harness.bench.run import overhead


def test_pairs_alternate_order_and_divide_b_by_a() -> None:
    calls: list[str] = []

    def side(name: str, values: list[float]) -> Any:
        async def measure(i: int) -> dict[str, Any]:
            calls.append(f"{name}{i}")
            return {"rate": values[i]}

        return measure

    async def settle() -> None:
        calls.append("settle")

    pairs = asyncio.run(Interleaved(side("a", [10, 20, 10]), side("b", [9, 20, 12]),
                                    "rate", settle=settle).run(3))
    assert [c for c in calls if c != "settle"] == ["a0", "b0", "b1", "a1", "a2", "b2"]
    assert calls[::2] == ["settle"] * 6  # before every measurement
    assert pairs.ratios() == [0.9, 1.0, 1.2]
    summary = pairs.summary()
    assert (summary["median"], summary["min"], summary["max"]) == (1.0, 0.9, 1.2)
    assert summary["spread"] == 0.3 and summary["unstable"] is True


def test_a_tight_ratio_is_not_flagged_and_no_pairs_is_null() -> None:
    assert ratio_summary([1.0, 1.02, 0.99])["unstable"] is False
    assert ratio_summary([])["median"] is None


def test_overhead_divides_each_big_ratio_by_the_median_small_one() -> None:
    big, small = Interleaved(None, None, "r"), Interleaved(None, None, "r")  # type: ignore[arg-type]
    big.a_runs, big.b_runs = [{"r": 10}, {"r": 10}, {"r": 10}], [{"r": 8}, {"r": 9}, {"r": 9}]
    # Five 1K pairs with an outlier: the median (0.9) calibrates, the outlier does not count.
    small.a_runs = [{"r": 1}] * 5
    small.b_runs = [{"r": 0.9}, {"r": 0.5}, {"r": 0.9}, {"r": 0.95}, {"r": 0.85}]
    result = overhead(big, small)
    assert result["median"] == 1.0 and result["min"] == 0.889 and result["pairs"] == 3


def test_overhead_without_a_calibration_is_null() -> None:
    big, small = Interleaved(None, None, "r"), Interleaved(None, None, "r")  # type: ignore[arg-type]
    big.a_runs, big.b_runs = [{"r": 10}], [{"r": 8}]
    assert overhead(big, small)["median"] is None
    assert overhead(None, small)["median"] is None
