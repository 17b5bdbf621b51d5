"""`harness certify`: one verdict for a release, from the whole certification suite.

A suite is a folder of scenarios plus an optional `_suite.yaml` manifest:

    name: reference-certification
    selftest: true                   # prove every check fails on its mutant first
    candidate: [order_saga@v2-patched, ...]   # code to release: replayed over every history
    recovery_slo: {p95_s: 10, max_s: 20}      # over all faults of all runs

The certificate (certificate.json, certificate.md) records every part's verdict and the
environment fingerprint; the verdict is pass only if every part passed.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, ValidationError

from harness.checks.verdict import Status, merge, merge_verdicts
from harness.environment import environment
from harness.errors import ScenarioError, UsageError
from harness.evidence.measurements import Distribution, finite, recovery
from harness.runner import RunOutcome, run_scenario
from harness.scenario import Scenario, load_scenarios
from harness.scenario_errors import compose, explain, locate, one_line
from harness.skips import Skipped, split_runnable
from harness.stack.stack import Stack

CERTIFICATE_SCHEMA = "harness.certificate/1"


class SuiteManifest(BaseModel):
    model_config = {"extra": "forbid"}

    name: str = "certification"
    description: str = ""
    selftest: bool = True
    candidate: list[str] = Field(default_factory=list)
    recovery_slo: dict[str, float] = Field(default_factory=dict)


def load_suite(folder: Path) -> tuple[SuiteManifest, list[Scenario]]:
    if not folder.is_dir():
        raise UsageError(f"--suite {folder}: not a folder")
    manifest_path = folder / "_suite.yaml"
    manifest = SuiteManifest()
    if manifest_path.exists():
        manifest = read_manifest(manifest_path)
        if manifest.candidate:
            from harness.versions.replay_gate import load_workflow_classes

            load_workflow_classes(",".join(manifest.candidate))  # bad names fail here
    return manifest, load_scenarios([folder])


def read_manifest(path: Path) -> SuiteManifest:
    """The suite manifest; a problem is one line naming file, line and field (exit 2)."""
    try:
        root, data, _ = compose(path.read_text(encoding="utf-8"), str(path))
    except ScenarioError as err:
        raise UsageError(str(err)) from err
    try:
        return SuiteManifest.model_validate(data or {})
    except ValidationError as err:
        problems = explain(err.errors(include_url=False), SuiteManifest)
        located = [(*locate(root, loc), message) for loc, message in problems]
        line, where, message = min(located, key=lambda problem: problem[0])
        raise UsageError(f"{path}:{line}: {where + ': ' if where else ''}"
                         f"{one_line(message)}") from err


@dataclass
class Part:
    name: str
    status: Status
    summary: str
    details: dict[str, Any] = field(default_factory=dict)


async def certify(stack: Stack, folder: Path, out: Path, seed: int | None,
                  candidate: list[str] | None = None, run_selftest: bool | None = None
                  ) -> tuple[Status, list[Part], Path]:
    manifest, scenarios = load_suite(folder)
    out = out.resolve()  # runs record absolute folders; links are made relative to this
    out.mkdir(parents=True, exist_ok=True)
    parts: list[Part] = []
    if run_selftest if run_selftest is not None else manifest.selftest:
        parts.append(await selftest_part(stack, out / "selftest", seed or 1))
    # What this stack cannot inject is left out and listed on the certificate, which then
    # certifies the faults the stack allows (an external cluster: no server kill).
    scenarios, skipped = split_runnable(scenarios, stack)
    outcomes = [await run_scenario(s, stack, out / "runs", seed=seed) for s in scenarios]
    parts += [scenario_part(o) for o in outcomes]
    parts.append(replay_part(outcomes, candidate or manifest.candidate))
    parts.append(recovery_part(outcomes, manifest.recovery_slo))
    status = merge(p.status for p in parts)
    path = write_certificate(out, manifest, status, parts, stack, seed, skipped)
    return status, parts, path


async def selftest_part(stack: Stack, out: Path, seed: int) -> Part:
    from harness.selftest import selftest

    rows = await selftest(stack, out, seed)
    bad = [f"{r.check} ({r.branch})" for r in rows if not r.ok]
    return Part("selftest", Status.FAIL if bad else Status.PASS,
                f"{len(rows) - len(bad)} of {len(rows)} failure branches fail on their mutant "
                f"for the planted reason and pass on the reference"
                + (f"; not proven: {', '.join(bad)}" if bad else ""),
                {"rows": [r.to_json() for r in rows]})


def scenario_part(outcome: RunOutcome) -> Part:
    status = merge_verdicts(outcome.verdicts)
    counts = {s: sum(v.status == s for v in outcome.verdicts) for s in Status}
    return Part(f"scenario {outcome.results['scenario']}", status,
                f"{counts[Status.PASS]} passed, {counts[Status.FAIL]} failed, "
                f"{counts[Status.UNKNOWN]} unknown",
                {"run": str(outcome.run.path), "seed": outcome.results.get("seed"),
                 "verdicts": {v.check: str(v.status) for v in outcome.verdicts}})


def replay_part(outcomes: list[RunOutcome], candidate: list[str]) -> Part:
    """The candidate code over every history the suite produced (the pre-release gate)."""
    from harness.versions.replay_gate import (
        gate_status,
        history_files,
        load_workflow_classes,
        replay_files,
    )

    if not candidate:
        return Part("replay gate", Status.UNKNOWN, "no candidate code named (candidate: in "
                    "_suite.yaml or --candidate): nothing was gated")
    classes = load_workflow_classes(",".join(candidate))
    results = []
    for outcome in outcomes:
        if outcome.run.histories_dir.is_dir() and any(outcome.run.histories_dir.iterdir()):
            results += replay_files(history_files(outcome.run.histories_dir), classes, 10.0)
    failures = [{"workflow_id": r.workflow_id, "status": r.outcome.status,
                 "message": r.outcome.message[:300], "history": r.source}
                for r in results if r.outcome.status != "ok"]
    status = gate_status(results)  # no history replayed at all: unknown
    # Histories that hit nondeterminism during a drill are the drill's evidence: they are
    # expected to replay on the fixed candidate, so they are not excused here.
    return Part("replay gate", status, f"{len(results) - len(failures)} of {len(results)} "
                f"histories replay on {', '.join(candidate)}", {"failures": failures[:50]})


def recovery_part(outcomes: list[RunOutcome], slo: dict[str, float]) -> Part:
    """The suite's recovery over every affected workflow of every run, one percentile method."""
    samples = [s for outcome in outcomes for s in recovery(outcome.run).samples]
    dist = Distribution.of(samples)
    p95, worst = finite(dist.p95), finite(dist.max)
    details = {"affected_workflows": dist.count, "never_recovered": dist.never,
               "p95": p95, "max": worst, "slo": slo}
    if not dist.count:
        return Part("recovery SLO", Status.UNKNOWN, "no fault hit a workflow with work in "
                    "flight: recovery was never measured", details)
    shown = {k: "never" if v is None else f"{v:g}s" for k, v in (("p95", p95), ("max", worst))}
    if not slo:
        return Part("recovery SLO", Status.UNKNOWN, f"no SLO set; p95 {shown['p95']}, max "
                    f"{shown['max']}", details)
    broken = []
    if dist.never:
        broken.append(f"{dist.never} affected workflows never recovered")
    if "p95_s" in slo and dist.p95 is not None and dist.p95 > slo["p95_s"]:
        broken.append(f"p95 {shown['p95']} > {slo['p95_s']}s")
    if "max_s" in slo and dist.max is not None and dist.max > slo["max_s"]:
        broken.append(f"max {shown['max']} > {slo['max_s']}s")
    return Part("recovery SLO", Status.FAIL if broken else Status.PASS,
                "; ".join(broken) or f"p95 {shown['p95']}, max {shown['max']} over "
                f"{dist.count} affected workflows, within {slo}", details)



def write_certificate(out: Path, manifest: SuiteManifest, status: Status, parts: list[Part],
                      stack: Stack, seed: int | None, skipped: list[Skipped] | None = None
                      ) -> Path:
    certificate = {
        "schema": CERTIFICATE_SCHEMA, "suite": manifest.name, "verdict": str(status),
        "issued_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "seed": seed,
        "environment": environment(stack),
        "parts": [{"name": p.name, "status": str(p.status), "summary": p.summary,
                   **p.details} for p in parts],
        "skipped": [{"scenario": s.scenario.name, "file": s.label, "reason": s.reason}
                    for s in skipped or []],
    }
    path = out / "certificate.json"
    path.write_text(json.dumps(certificate, indent=2, default=str) + "\n", encoding="utf-8")
    lines = [f"# Certificate: {manifest.name}: {str(status).upper()}", "",
             f"Issued {certificate['issued_at']} · harness "
             f"{certificate['environment'].get('harness_version')} "
             f"({certificate['environment'].get('harness_commit') or 'no commit'}) · "
             f"{certificate['environment'].get('temporal_server')}", "",
             "| part | verdict | summary |", "|---|---|---|"]
    for p in parts:
        run = p.details.get("run")
        link = Path(run).resolve().relative_to(out.resolve()) if run else None
        name = f"[{p.name}]({link}/report.html)" if link else p.name
        lines.append(f"| {name} | {str(p.status).upper()} | {p.summary} |")
    for skip in skipped or []:  # not certified: the stack could not inject their faults
        lines.append(f"| scenario {skip.scenario.name} | SKIPPED | {skip.reason} |")
    (out / "certificate.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
