"""Checks by name: each is a function from a stored run folder to a Verdict."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import BaseModel

from harness.checks import (
    callback_resolution,
    compensation,
    determinism,
    entity_consistency,
    fanout_integrity,
    idempotency,
    liveness,
    nondeterminism,
    recovery_slo,
    resume,
    retries,
)
from harness.checks.generic import practices
from harness.checks.verdict import Verdict, safely, unknown
from harness.plugins import PluggableRegistry
from harness.runfolder import Evidence, RunFolder


@dataclass(frozen=True)
class Check:
    name: str
    fn: Callable[..., Verdict]
    options_model: type[BaseModel]
    description: str
    # The evidence the check cannot judge without: missing, the verdict is unknown, never
    # pass (a run killed mid-way and judged again never passes what it could not see).
    needs: tuple[Evidence, ...] = ()


class AnyOptions(BaseModel):
    """Options of a user's check given as a bare function: passed through as given."""

    model_config = {"extra": "allow"}


def as_check(path: str, obj: object) -> Check:
    """A user's check by import path: a Check, or a function (run, options) -> Verdict."""
    if isinstance(obj, Check):
        return obj
    if not callable(obj) or isinstance(obj, type):
        raise TypeError(f"{path} is neither a Check nor a check function (run, options)")
    try:
        inspect.signature(obj).bind(None, None)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{path} is not a check function: it cannot be called as "
                        f"(run, options): {err}") from err
    return Check(path, obj, AnyOptions, (obj.__doc__ or "").strip().split("\n")[0])


# Built-in checks by name, plus users' checks by import path (`package.module:function`).
CHECKS: PluggableRegistry[Check] = PluggableRegistry({
    c.name: c
    for c in [
        Check(liveness.NAME, liveness.check, liveness.LivenessOptions,
              "every started workflow reached its expected terminal state by the deadline",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS)),
        Check(idempotency.NAME, idempotency.check, idempotency.IdempotencyOptions,
              "every step took effect exactly once in the ledger, however often delivered",
              needs=(Evidence.JOURNAL, Evidence.LEDGER)),
        Check(compensation.NAME, compensation.check, compensation.CompensationOptions,
              "failed sagas undid each effect once, in reverse order; stock and money conserved",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.LEDGER)),
        Check(resume.NAME, resume.check, resume.ResumeOptions,
              "workflows hit by a crash resumed from their last step, not from the start",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.HISTORIES, Evidence.LEDGER,
                     Evidence.ATTEMPT_LOG)),
        Check(determinism.NAME, determinism.check, determinism.DeterminismOptions,
              "every collected history replays on the workflow code the run deployed",
              needs=(Evidence.WORKFLOWS, Evidence.HISTORIES)),
        Check(entity_consistency.NAME, entity_consistency.check,
              entity_consistency.EntityConsistencyOptions,
              "each account's balance is the sum of the operations that happened, none twice",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS)),
        Check(callback_resolution.NAME, callback_resolution.check,
              callback_resolution.CallbackResolutionOptions,
              "each approval resolved once: by its callback iff in time, else escalated",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.HISTORIES, Evidence.LEDGER)),
        Check(fanout_integrity.NAME, fanout_integrity.check,
              fanout_integrity.FanoutIntegrityOptions,
              "each fan-out aggregated exactly children x activities, each child once",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.LEDGER)),
        Check(nondeterminism.NAME, nondeterminism.check, nondeterminism.NondeterminismOptions,
              "deployed code did not strand running workflows (or, in a drill, it was caught)",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.HISTORIES)),
        Check(recovery_slo.NAME, recovery_slo.check, recovery_slo.RecoverySloOptions,
              "recovery after each fault stayed within the p95 / max bounds",
              needs=(Evidence.JOURNAL, Evidence.WORKFLOWS, Evidence.ATTEMPT_LOG)),
        Check(retries.NAME, retries.check, retries.RetriesBoundedOptions,
              "a degraded dependency met bounded retries (per step and per second), no storm",
              needs=(Evidence.JOURNAL, Evidence.LEDGER)),
        Check(practices.NAME, practices.check, practices.PracticesOptions,
              "no common pitfall in any history: timeouts, heartbeats, payloads, retries",
              needs=(Evidence.WORKFLOWS, Evidence.HISTORIES)),
    ]
}, as_check)


def run_check(name: str, run: RunFolder, options: dict | None = None) -> Verdict:
    """Run one check; a crash in a check (or in its options) is `unknown`, never a pass."""
    check = CHECKS[name]
    missing = [e for e in check.needs if not run.has(e)]
    if missing:
        return unknown(name, f"evidence missing ({', '.join(missing)}): the run stored too "
                       "little to judge this (was it collected?)",
                       [{"missing": [str(e) for e in missing]}])
    return safely(name, lambda: check.fn(run, check.options_model(**(options or {}))))
