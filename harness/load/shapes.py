"""Staged load shapes (ramp, step, spike) as pure functions of the elapsed time.

Kept free of locust so they can be validated in the harness (bad --shape-args fail with exit 2
before anything starts) and unit-tested; the locustfile wraps the chosen one in a
LoadTestShape. Defaults come from -u (the peak) and -t (the total time).

    ramp   peak=U ramp=T/2 hold=T/2         0 -> peak linearly over `ramp`, then hold
    step   step=U/4 every=T/4 steps=4       +step users every `every`, `steps` times
    spike  base=U/5 peak=U at=T/3 length=T/6 total=T
                                            base, a burst to peak at `at` for `length`
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field, ValidationError, model_validator

from harness.durations import Duration
from harness.errors import UsageError


class Ramp(BaseModel):
    model_config = {"extra": "forbid"}
    peak: int = Field(ge=1)
    ramp: Duration = Field(gt=0)
    hold: Duration = Field(ge=0)

    @property
    def total(self) -> float:
        return self.ramp + self.hold

    def tick(self, t: float) -> tuple[int, float] | None:
        if t >= self.total:
            return None
        return self.peak, self.peak / self.ramp


class Step(BaseModel):
    model_config = {"extra": "forbid"}
    step: int = Field(ge=1)
    every: Duration = Field(gt=0)
    steps: int = Field(ge=1)

    @property
    def total(self) -> float:
        return self.every * self.steps

    def tick(self, t: float) -> tuple[int, float] | None:
        if t >= self.total:
            return None
        return self.step * (int(t // self.every) + 1), float(self.step)


class Spike(BaseModel):
    model_config = {"extra": "forbid"}
    base: int = Field(ge=0)
    peak: int = Field(ge=1)
    at: Duration = Field(ge=0)
    length: Duration = Field(gt=0)
    total: Duration = Field(gt=0)

    @model_validator(mode="after")
    def _spike_inside(self) -> Spike:
        if self.at + self.length > self.total:
            raise ValueError("the spike (at + length) must end within total")
        return self

    def tick(self, t: float) -> tuple[int, float] | None:
        if t >= self.total:
            return None
        users = self.peak if self.at <= t < self.at + self.length else self.base
        return users, float(max(self.peak, 1))


Shape = Ramp | Step | Spike
SHAPES: dict[str, type[BaseModel]] = {"ramp": Ramp, "step": Step, "spike": Spike}


def defaults(kind: str, users: int, duration: float) -> dict[str, Any]:
    if kind == "ramp":
        return {"peak": users, "ramp": duration / 2, "hold": duration / 2}
    if kind == "step":
        return {"step": max(1, users // 4), "every": duration / 4, "steps": 4}
    return {"base": max(1, users // 5), "peak": users, "at": duration / 3,
            "length": duration / 6, "total": duration}


def parse_shape_args(text: str | None) -> dict[str, str]:
    """`peak=20,ramp=10s` -> {"peak": "20", "ramp": "10s"}."""
    args: dict[str, str] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise UsageError(f"--shape-args: expected key=value, got {part.strip()!r}")
        args[key.strip()] = value.strip()
    return args


def build_shape(kind: str, args: dict[str, str], users: int, duration: float) -> Shape:
    """The validated shape; a bad kind or argument is a UsageError naming it."""
    model = SHAPES.get(kind)
    if model is None:
        raise UsageError(f"--shape: unknown shape {kind!r} (known: {', '.join(SHAPES)})")
    data: dict[str, Any] = defaults(kind, users, duration)
    data.update(args)  # strings: pydantic reads "20" as an int and "10s" as a Duration
    try:
        return model.model_validate(data)  # type: ignore[return-value]
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or kind
        raise UsageError(f"--shape-args for {kind}: {where}: {first['msg']}") from None

