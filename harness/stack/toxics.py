"""The toxics toxiproxy offers, one typed model per toxic type.

toxiproxy silently drops attributes it does not know, so a typo (`latncy: 500`) would inject
a toxic that does nothing and the run would test something other than intended. Each
toxic's attributes are therefore a model that forbids unknown names and accepts only whole
numbers >= 0; the scenario loader validates a network fault's attributes against it (a typo
is bad input, before anything starts) and the toxiproxy client validates again before every
request (for callers that are not scenarios).

Units, as toxiproxy defines them: latency/jitter/delay/timeout in ms (timeout 0 = hold the
data forever, a blackhole), bandwidth rate in KB/s, limit_data bytes in bytes, slicer sizes
in bytes and its delay in microseconds.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError


def _whole_number(value: Any) -> Any:
    # Booleans are ints to Python but never a sensible toxic attribute; 5.0 is fine.
    if isinstance(value, bool):
        raise ValueError("must be a whole number >= 0")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Amount = Annotated[int, Field(ge=0), BeforeValidator(_whole_number)]


class ToxicAttributes(BaseModel):
    """Attributes of one toxic type; unknown names are errors, all values whole and >= 0."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_request(self) -> dict[str, int]:
        """What toxiproxy is sent: only the attributes given (the server fills defaults)."""
        return self.model_dump(exclude_unset=True)


class Latency(ToxicAttributes):
    latency: Amount = 0
    jitter: Amount = 0


class Bandwidth(ToxicAttributes):
    rate: Amount = 0


class SlowClose(ToxicAttributes):
    delay: Amount = 0


class Timeout(ToxicAttributes):
    timeout: Amount = 0


class ResetPeer(ToxicAttributes):
    timeout: Amount = 0


class Slicer(ToxicAttributes):
    average_size: Amount = 0
    size_variation: Amount = 0
    delay: Amount = 0


class LimitData(ToxicAttributes):
    bytes: Amount = 0


TOXICS: dict[str, type[ToxicAttributes]] = {
    "latency": Latency, "bandwidth": Bandwidth, "slow_close": SlowClose, "timeout": Timeout,
    "reset_peer": ResetPeer, "slicer": Slicer, "limit_data": LimitData,
}
STREAMS = ("upstream", "downstream")


def toxic_attributes(kind: str, attributes: dict[str, Any]) -> ToxicAttributes:
    """The typed attributes of a `kind` toxic, or ValueError in plain words naming the
    attribute at fault and what the toxic accepts."""
    model = TOXICS.get(kind)
    if model is None:
        raise ValueError(f"unknown toxic {kind!r} (known: {', '.join(sorted(TOXICS))})")
    try:
        return model.model_validate(attributes)
    except ValidationError as err:
        first = err.errors(include_url=False)[0]
        name = ".".join(str(part) for part in first["loc"])
        if first["type"] == "extra_forbidden":
            accepted = ", ".join(model.model_fields)
            raise ValueError(f"toxic {kind} has no attribute {name} (it accepts {accepted})"
                             ) from None
        raise ValueError(f"toxic {kind} attribute {name} must be a whole number >= 0, not "
                         f"{first.get('input')!r}") from None


def check_toxicity(toxicity: Any) -> float:
    """toxiproxy accepts any number; outside [0, 1] is a mistake, refused here."""
    if isinstance(toxicity, bool) or not isinstance(toxicity, int | float):
        raise ValueError(f"toxicity must be a number between 0 and 1, not {toxicity!r}")
    if not 0.0 <= float(toxicity) <= 1.0:
        raise ValueError(f"toxicity must be between 0 and 1, not {toxicity}")
    return float(toxicity)
