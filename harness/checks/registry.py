"""Checks by name: each is a function from a stored run folder to a Verdict."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from harness.checks import liveness
from harness.checks.verdict import Verdict
from harness.runfolder import RunFolder


@dataclass(frozen=True)
class Check:
    name: str
    fn: Callable[..., Verdict]
    options_model: type[BaseModel]
    description: str


CHECKS: dict[str, Check] = {
    c.name: c
    for c in [
        Check(liveness.NAME, liveness.check, liveness.LivenessOptions,
              "every started workflow reached its expected terminal state by the deadline"),
    ]
}


def check_options_models() -> dict[str, type[BaseModel]]:
    return {name: c.options_model for name, c in CHECKS.items()}


def run_check(name: str, run: RunFolder, options: dict | None = None) -> Verdict:
    """Run one check; a crash in a check is an `unknown` verdict, never a pass."""
    from harness.checks.verdict import unknown

    check = CHECKS[name]
    try:
        return check.fn(run, check.options_model(**(options or {})))
    except Exception as err:  # noqa: BLE001
        return unknown(name, f"the check itself failed: {err!r}")
