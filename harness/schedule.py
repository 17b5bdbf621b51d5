"""Seeded fault schedules: the plan of every firing, decided before the run starts.

All randomness (jitter, which worker) comes from the run seed, so the same seed gives a
byte-identical `planned_schedule.json`; `executed_schedule.json` records what actually
happened (times, targets, errors) for comparison.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from typing import Any

from pydantic import BaseModel

from harness.faults.base import FaultSpec


@dataclass
class PlannedFiring:
    fault_id: str
    spec_index: int
    type: str
    at: float | None  # seconds after driving starts; None when triggered by events
    after: dict[str, Any] | None
    duration: float | None
    choice: float  # a seeded draw in [0, 1) the fault may use to pick its target
    params: dict[str, Any] = field(default_factory=dict)


def plan(faults: list[BaseModel], seed: int, horizon: float) -> list[PlannedFiring]:
    """Expand every fault spec into firings within `horizon` seconds (the deadline)."""
    rng = random.Random(f"{seed}:schedule")
    firings: list[PlannedFiring] = []
    for index, spec in enumerate(faults):
        assert isinstance(spec, FaultSpec)
        schedule_fields = set(FaultSpec.model_fields)
        params = {k: v for k, v in spec.model_dump(mode="json").items()
                  if k not in schedule_fields}
        after = spec.after.model_dump(mode="json") if spec.after else None
        starts: list[float | None]
        if spec.every is not None:
            starts = []
            t = spec.at or 0.0
            limit = spec.times or 1000
            while t <= horizon and len(starts) < limit:
                starts.append(round(t + rng.uniform(0, spec.jitter), 3))
                t += spec.every
        elif after is not None:
            starts = [None]
        else:
            starts = [round((spec.at or 0.0) + rng.uniform(0, spec.jitter), 3)]
        for start in starts:
            firings.append(PlannedFiring(
                fault_id=f"f{len(firings) + 1}", spec_index=index, type=spec.type, at=start,
                after=after, duration=spec.duration, choice=round(rng.random(), 6),
                params=params))
    return firings


def to_json(firings: list[PlannedFiring]) -> str:
    """Stable bytes: sorted keys, fixed separators, so equal plans give identical files."""
    return json.dumps([asdict(f) for f in firings], indent=2, sort_keys=True) + "\n"
