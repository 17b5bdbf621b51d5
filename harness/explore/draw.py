"""Seeded draws: scenario number `index` of a space under a seed, the same every time.

Each draw has its own random source, named by (space, seed, index), so the sequence does
not depend on what earlier draws found, how long they took or how many ran.
"""

from __future__ import annotations

import random
from typing import Any, TypeVar

from pydantic import ValidationError

from harness.errors import ScenarioError
from harness.explore.space import ExploreSpace, resolve
from harness.scenario import Scenario
from harness.scenario_errors import explain, format_path

T = TypeVar("T")


def _weighted_sample(items: list[T], weights: list[float], k: int,
                     rng: random.Random) -> list[T]:
    """k distinct items, each pick weighted (random.sample has no weights), in the order
    the space lists them."""
    pool = list(enumerate(weights))
    picked: list[int] = []
    while pool and len(picked) < k:
        index = rng.choices(range(len(pool)), weights=[w for _, w in pool])[0]
        picked.append(pool.pop(index)[0])
    return [items[i] for i in sorted(picked)]


def _start(fault: dict[str, Any]) -> float:
    at = fault.get("at")
    return float(at) if isinstance(at, int | float) else float("inf")


def draw_data(space: ExploreSpace, seed: int, index: int) -> dict[str, Any]:
    """The scenario as plain data (before validation)."""
    rng = random.Random(f"explore:{space.space}:{seed}:{index}")
    how_many = max(1, min(int(resolve(space.workloads_per_draw, rng)), len(space.workloads)))
    options = _weighted_sample(space.workloads, [w.weight for w in space.workloads],
                               how_many, rng)
    workloads = [option.draw(rng) for option in options]
    names = {option.name for option in options}
    families = [f for f in space.faults if set(f.needs) <= names]
    faults: list[dict[str, Any]] = []
    if families:
        how_many = int(resolve(space.faults_per_draw, rng))
        picked = _weighted_sample(families, [f.weight for f in families], how_many, rng)
        faults = [resolve(family.fields(), rng) for family in picked]
    faults.sort(key=_start)  # stable: reads in the order they fire
    return {
        "name": f"{space.space}-{seed}-{index}",
        "description": f"draw {index} of space {space.space} under seed {seed}",
        "seed": rng.randrange(2**31),
        "deadline": space.deadline,
        "workloads": workloads,
        "workers": {"count": int(resolve(space.workers, rng))},
        "faults": faults,
        "checks": space.checks_for(options),
    }


def draw(space: ExploreSpace, seed: int, index: int) -> Scenario:
    """Draw number `index`; a draw the scenario model rejects is a bad space (exit 2)."""
    data = draw_data(space, seed, index)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        loc, message = explain(exc.errors(include_url=False), Scenario)[0]
        where = space.source or f"space {space.space}"
        raise ScenarioError(f"{where}: draw {index} (seed {seed}) is not a valid scenario: "
                            f"{format_path(loc)}: {message}") from None
