"""Fault families by name: each maps to the pydantic model of its scenario spec."""

from __future__ import annotations

from pydantic import BaseModel

FAULTS: dict[str, type[BaseModel]] = {}


def fault_models() -> dict[str, type[BaseModel]]:
    return dict(FAULTS)
