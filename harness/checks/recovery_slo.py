"""recovery_slo: after each fault, the system was making progress again within the bound.

Judges the recovery measurements (harness.faults.recovery, also stored in results.json):
    {"per_fault": [{"fault_id": "f1", "fault": "worker_kill", "seconds": 3.2,
                    "workflow_ids": [...]}, ...]   (or {"f1": 3.2, ...}),
     "p50": ..., "p95": ..., "max": ...}
A fault after which progress never resumed has `seconds: null`: an infinite recovery.
Without a bound there is no objective to judge, and without measurements (no fault ran)
nothing was recovered from: both are `unknown`.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import history_of
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.faults.recovery import recovery_times
from harness.runfolder import RunFolder

NAME = "recovery_slo"


class RecoverySloOptions(BaseModel):
    model_config = {"extra": "forbid"}

    p95_s: float | None = Field(default=None, gt=0)
    max_s: float | None = Field(default=None, gt=0)


def check(run: RunFolder, options: RecoverySloOptions | None = None) -> Verdict:
    options = options or RecoverySloOptions()
    # Measured from the stored files (the same function results.json's block comes from),
    # so the check does not depend on results.json having been written before judging.
    recovery = recovery_times(run)
    per_fault = per_fault_rows(recovery)
    if not per_fault:
        return unknown(NAME, "no recovery measurements: no fault ran, or none was measured")
    seconds = [r["seconds"] for r in per_fault]
    # Nearest-rank over every fault, a never-recovered one as infinity: a bound must not be
    # met by leaving the worst faults out (results.json's figures skip them).
    p95 = percentile(seconds, 95)
    worst = max(seconds)
    stats = {"faults": len(per_fault), "p50": percentile(seconds, 50),
             "p95": p95, "max": worst}
    if options.p95_s is None and options.max_s is None:
        return unknown(NAME, f"no bound set (p95_s, max_s): recovery p95 {p95:g}s, max "
                       f"{worst:g}s over {len(per_fault)} faults",
                       **{k: _finite(v) for k, v in stats.items()})
    evidence: list[dict[str, Any]] = []
    for bound, limit, value in (("p95_s", options.p95_s, p95), ("max_s", options.max_s, worst)):
        if limit is None or value <= limit:
            continue
        slow = [r for r in per_fault if r["seconds"] > limit] or [{"fault_id": None}]
        evidence += [{**r, "seconds": _finite(r.get("seconds")), "bound": bound,
                      "histories": [history_of(run, w) for w in r.get("workflow_ids") or []],
                      "expected": f"{bound[:-2]} <= {limit:g}s",
                      "observed": f"{bound[:-2]} {value:g}s"} for r in slow]
    stats = {k: _finite(v) for k, v in stats.items()}
    if evidence:
        return failed(NAME, f"recovery too slow: p95 {p95:g}s, max {worst:g}s over "
                      f"{len(per_fault)} faults", evidence, **stats)
    return passed(NAME, f"{len(per_fault)} faults recovered within bounds (p95 {p95:g}s, max "
                  f"{worst:g}s)", **stats)


def _finite(value: Any) -> Any:
    """Never-recovered is infinite; JSON has no infinity, so it is stored as null."""
    return None if isinstance(value, float) and math.isinf(value) else value


def per_fault_rows(recovery: Any) -> list[dict[str, Any]]:
    """Normalise `per_fault` (a list of rows or a mapping fault id -> seconds)."""
    if not isinstance(recovery, dict):
        return []
    raw = recovery.get("per_fault")
    if isinstance(raw, dict):
        raw = [{"fault_id": k, "seconds": v} for k, v in raw.items()]
    if not isinstance(raw, list):
        return []
    rows = []
    for row in raw:
        if not isinstance(row, dict):
            continue
        value = row.get("seconds")
        rows.append({**row, "seconds": math.inf if value is None else float(value)})
    return rows


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile: the smallest value with at least q% of values at or below."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


