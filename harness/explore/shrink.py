"""Shrinking a failing scenario to a 1-minimal one that still fails the same way.

Moves, in this order, repeated until a whole pass keeps nothing:
1. faults: none at all, then delta debugging (ddmin) over the fault list;
2. workloads: ddmin over the workload entries (at least one stays);
3. numbers, each towards its floor (the floor, half-way, one step down):
   counts (workflows, concurrency, workers), then when faults fire (``at``, or how many
   events they wait for: ``after.count``), then how long
   they last (windows, downtimes, delays), then how hard they hit (rates, toxicity,
   toxic attributes, which occurrence).
A candidate is kept when the predicate says it still fails. The result is 1-minimal
with respect to these moves: removing any one fault or workload, or moving any number
one step towards its floor, no longer fails. Every candidate run is counted as a step.

A property-based testing library would shrink too, but it expects hundreds of cheap runs;
a scenario run costs seconds to minutes, so the moves here are few and aimed.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import ValidationError

from harness.scenario import Scenario

T = TypeVar("T")
Fails = Callable[[Scenario], Awaitable[bool]]

# (floor, step) of the numbers a fault may carry, grouped by what shrinking them means.
FAULT_TIMING = {"at": (0.0, 0.5)}
FAULT_WINDOWS = {"duration": (0.5, 0.5), "down_for": (0.0, 0.5), "restart_after": (0.0, 0.5),
                 "delay": (0.0, 0.1), "interval": (0.0, 0.5), "jitter": (0.0, 0.5)}
FAULT_INTENSITY = {"rate": (0.05, 0.05), "toxicity": (0.05, 0.05), "nth": (1, 1),
                   "times": (1, 1)}
ATTRIBUTE = (0, 10)  # toxiproxy attributes (ms, KB/s, bytes): floor 0, steps of 10


class OutOfTime(Exception):
    """The shrink budget ran out; the smallest failing scenario so far is the answer."""


@dataclass
class ShrinkStep:
    move: str
    failed: bool  # the candidate still failed, so it was kept


@dataclass
class ShrinkResult:
    scenario: Scenario
    steps: list[ShrinkStep] = field(default_factory=list)
    minimal: bool = False  # True: 1-minimal; False: the budget ran out first

    @property
    def kept(self) -> int:
        return sum(step.failed for step in self.steps)


@dataclass(frozen=True)
class NumberField:
    path: tuple[Any, ...]
    value: float
    floor: float
    step: float

    @property
    def label(self) -> str:
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
        return out

    def candidates(self) -> list[float]:
        """Smaller values to try, smallest first: the floor, half-way, one step down."""
        def snap(x: float) -> float:
            if isinstance(self.value, int) and isinstance(self.step, int):
                return int(x)
            return round(round(x / self.step) * self.step, 3)

        values = {snap(self.floor), snap(self.floor + (self.value - self.floor) / 2),
                  snap(self.value - self.step)}
        return sorted(v for v in values if self.floor <= v < self.value)


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def number_fields(data: dict[str, Any]) -> list[NumberField]:
    """The numbers shrinking may lower, in the order they are tried."""
    counts: list[NumberField] = []
    for i, workload in enumerate(data["workloads"]):
        counts.append(NumberField(("workloads", i, "count"), workload["count"], 1, 1))
        concurrency = workload.get("concurrency", workload["count"])
        counts.append(NumberField(("workloads", i, "concurrency"), concurrency, 1, 1))
    counts.append(NumberField(("workers", "count"), data["workers"]["count"], 1, 1))
    groups: list[list[NumberField]] = [counts, [], [], []]
    for i, fault in enumerate(data["faults"]):
        for group, table in zip(groups[1:], (FAULT_TIMING, FAULT_WINDOWS, FAULT_INTENSITY),
                                strict=True):
            for key, (floor, step) in table.items():
                if _number(fault.get(key)):
                    group.append(NumberField(("faults", i, key), fault[key], floor, step))
        after = fault.get("after")
        if isinstance(after, dict) and _number(after.get("count")):  # fewer events: earlier
            groups[1].append(NumberField(("faults", i, "after", "count"), after["count"], 1, 1))
        for key, value in (fault.get("attributes") or {}).items():
            if _number(value):
                groups[3].append(NumberField(("faults", i, "attributes", key), value,
                                             *ATTRIBUTE))
    return [f for group in groups for f in group if f.value > f.floor]


def with_value(data: dict[str, Any], path: Sequence[Any], value: Any) -> dict[str, Any]:
    out = json.loads(json.dumps(data))
    node = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    if path[0] == "workloads" and path[-1] == "count":
        workload = out["workloads"][path[1]]
        workload["concurrency"] = min(workload.get("concurrency", value), value)
    return out


async def ddmin(items: list[T], fails: Callable[[list[T]], Awaitable[bool]]) -> list[T]:
    """Zeller's delta debugging: a 1-minimal sublist of `items` for which `fails` holds
    (the whole list is assumed to fail). Order is kept."""
    n = 2
    while len(items) >= 2:
        size = len(items)
        chunks = [items[size * i // n:size * (i + 1) // n] for i in range(n)]
        for chunk in chunks:
            if await fails(chunk):
                items, n = chunk, 2
                break
        else:
            for i in range(n):
                complement = [x for j, c in enumerate(chunks) if j != i for x in c]
                if n > 2 and await fails(complement):
                    items, n = complement, max(n - 1, 2)
                    break
            else:
                if n >= size:
                    break
                n = min(size, 2 * n)
    return items


class Shrinker:
    """Shrinks one failing scenario with a predicate; `time_left` bounds the search."""

    def __init__(self, fails: Fails, time_left: Callable[[], bool] = lambda: True) -> None:
        self.fails = fails
        self.time_left = time_left
        self.cache: dict[str, bool] = {}
        self.steps: list[ShrinkStep] = []
        self.best: dict[str, Any] = {}

    async def _test(self, data: dict[str, Any], move: str) -> bool:
        key = json.dumps(data, sort_keys=True)
        if key in self.cache:
            return self.cache[key]
        try:
            candidate = Scenario.model_validate(data)
        except ValidationError:
            self.cache[key] = False  # not a scenario (e.g. a bound the model enforces)
            return False
        if not self.time_left():
            raise OutOfTime
        failed = await self.fails(candidate)
        self.cache[key] = failed
        self.steps.append(ShrinkStep(move, failed))
        if failed:  # every move keeps the first candidate that fails: the smallest so far
            self.best = data
        return failed

    async def shrink(self, scenario: Scenario) -> ShrinkResult:
        current = self.best = scenario.to_dict()
        self.cache[json.dumps(current, sort_keys=True)] = True
        try:
            changed = True
            while changed:
                before = json.dumps(current, sort_keys=True)
                current = await self._lists(current)
                current = await self._numbers(current)
                changed = json.dumps(current, sort_keys=True) != before
            minimal = True
        except OutOfTime:
            minimal = False
        return ShrinkResult(Scenario.model_validate(self.best), self.steps, minimal)

    async def _lists(self, data: dict[str, Any]) -> dict[str, Any]:
        faults = data["faults"]
        if faults and await self._test({**data, "faults": []}, "remove every fault"):
            data = {**data, "faults": []}
        elif len(faults) > 1:
            def keep_faults(keep: list[int]) -> Awaitable[bool]:
                return self._test({**data, "faults": [faults[i] for i in keep]},
                                  f"keep faults {keep} of {len(faults)}")

            kept = await ddmin(list(range(len(faults))), keep_faults)
            data = {**data, "faults": [faults[i] for i in kept]}
        workloads = data["workloads"]
        if len(workloads) > 1:
            def keep_workloads(keep: list[int]) -> Awaitable[bool]:
                return self._test({**data, "workloads": [workloads[i] for i in keep]},
                                  f"keep workloads {keep} of {len(workloads)}")

            kept = await ddmin(list(range(len(workloads))), keep_workloads)
            data = {**data, "workloads": [workloads[i] for i in kept]}
        return data

    async def _numbers(self, data: dict[str, Any]) -> dict[str, Any]:
        for path in [number.path for number in number_fields(data)]:
            # Re-read: lowering a count may already have lowered its concurrency.
            number = next((n for n in number_fields(data) if n.path == path), None)
            for value in number.candidates() if number else []:
                candidate = with_value(data, number.path, value)
                if await self._test(candidate, f"{number.label} {number.value} -> {value}"):
                    data = candidate
                    break
        return data


async def shrink(scenario: Scenario, fails: Fails,
                 time_left: Callable[[], bool] = lambda: True) -> ShrinkResult:
    """The smallest scenario the moves reach that still fails (see the module docstring)."""
    return await Shrinker(fails, time_left).shrink(scenario)
