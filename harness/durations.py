"""Human durations in scenarios and flags: "250ms", "2s", "1m30s", "1h", or plain seconds."""

from __future__ import annotations

import re
from typing import Annotated, Any

from pydantic import BeforeValidator, Field

_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")


def parse_duration(value: str | int | float) -> float:
    """Return seconds; raise ValueError with the accepted forms on anything else."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '500ms', '2s', '1m30s', got {value!r}")
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        text = value.strip().replace(" ", "")
        pos, seconds = 0, 0.0
        for match in _PART.finditer(text):
            if match.start() != pos:
                break
            seconds += float(match.group(1)) * _UNITS[match.group(2)]
            pos = match.end()
        if not text or pos != len(text):
            try:
                seconds = float(text)
            except ValueError:
                raise ValueError(
                    f"expected a duration like '500ms', '2s', '1m30s', got {value!r}"
                ) from None
    if seconds < 0:
        raise ValueError(f"duration must not be negative, got {value!r}")
    return seconds


def format_duration(seconds: float) -> str:
    """The short form used in tables: 850ms, 12.3s, 4m05s."""
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}m{rest:02d}s"


_HINT = "expected a duration like '500ms', '2s', '1m30s'"


def to_seconds(value: Any) -> float:
    """Pydantic's view of a duration: YAML lists or nulls get the same hint, not a crash."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        shown = {type(None): "null", list: "a list", dict: "a mapping"}.get(
            type(value), f"a {type(value).__name__}")
        raise ValueError(f"{_HINT}, got {shown}")
    return parse_duration(value)


# Every model with a duration (scenario, workload params, faults, checks) uses this type,
# so all accept the same forms and fail with the same message.
Duration = Annotated[float, BeforeValidator(to_seconds), Field(allow_inf_nan=False)]
