"""recovery_slo: after each fault, every affected workflow made progress again within the bound.

Judges the recovery measured per affected workflow (harness.evidence.measurements, the same
figures results.json, the report and certify show): p95 and max over every (fault, affected
workflow) pair, a workflow that never progressed again counting as infinite. Without a
bound there is no objective to judge; without a fault that hit work in flight, or without
the evidence to see it (the attempt log, workflows.json), nothing can be judged: unknown.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from harness.checks.facts import history_of
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.measurements import finite, recovery
from harness.runfolder import Evidence, RunFolder

NAME = "recovery_slo"


class RecoverySloOptions(BaseModel):
    model_config = {"extra": "forbid"}

    p95_s: float | None = Field(default=None, gt=0)
    max_s: float | None = Field(default=None, gt=0)


def check(run: RunFolder, options: RecoverySloOptions | None = None) -> Verdict:
    options = options or RecoverySloOptions()
    measured = recovery(run)
    if not measured.faults:
        return unknown(NAME, "no recovery measurements: no fault struck in this run")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected, so "
                       "recovery cannot be seen")
    if not run.has(Evidence.ATTEMPT_LOG):
        return unknown(NAME, "no attempt log (workers/*.activities.jsonl): which workflows "
                       "a fault hit cannot be seen")
    nothing = [f.hit.fault_id for f in measured.hit_nothing]
    dist = measured.distribution
    stats = {"faults": len(measured.faults), "faults_hit_nothing": len(nothing),
             "affected_workflows": dist.count, "never_recovered": dist.never,
             "p50": finite(dist.p50), "p95": finite(dist.p95), "max": finite(dist.max)}
    if not dist.count:
        return unknown(NAME, f"{len(nothing)} faults struck but none hit a workflow with work "
                       f"in flight ({', '.join(nothing)}): recovery was never exercised",
                       **stats)
    p95, worst = _show(dist.p95), _show(dist.max)
    if options.p95_s is None and options.max_s is None:
        return unknown(NAME, f"no bound set (p95_s, max_s): recovery p95 {p95}, max {worst} "
                       f"over {dist.count} affected workflows", **stats)
    evidence: list[dict[str, Any]] = []
    for bound, limit, value in (("p95_s", options.p95_s, dist.p95),
                                ("max_s", options.max_s, dist.max)):
        if limit is None or value is None or value <= limit:
            continue
        for fault in measured.faults:
            slow = [w for w in fault.workflows if w.seconds > limit]
            evidence += [{"fault_id": fault.hit.fault_id, "fault": fault.hit.fault,
                          "target": fault.hit.target, "workflow_id": w.workflow_id,
                          "seconds": finite(w.seconds), "bound": bound,
                          "history": history_of(run, w.workflow_id),
                          "expected": f"{bound[:-2]} <= {limit:g}s",
                          "observed": f"{bound[:-2]} {_show(value)}; this workflow "
                                      f"{_show(w.seconds)}"} for w in slow]
    if evidence:
        return failed(NAME, f"recovery too slow: p95 {p95}, max {worst} over {dist.count} "
                      f"affected workflows of {len(measured.faults)} faults", evidence, **stats)
    return passed(NAME, f"{dist.count} affected workflows of {len(measured.faults)} faults "
                  f"recovered within bounds (p95 {p95}, max {worst})", **stats)


def _show(seconds: float | None) -> str:
    return "never" if finite(seconds) is None else f"{seconds:g}s"
