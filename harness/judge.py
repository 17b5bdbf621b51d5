"""Judging: run a scenario's checks over a stored run folder and write results.json.

Used by `harness run` right after collecting and by `harness check` on any past run,
so both give the same verdicts from the same files.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from harness import __version__
from harness.checks import fault_accounting
from harness.checks.registry import run_check
from harness.checks.verdict import Verdict, exit_code, merge_verdicts
from harness.evidence.measurements import recovery, run_stats
from harness.runfolder import RunFolder
from harness.watch.figures import watch_figures

RESULTS_SCHEMA = "harness.results/1"


def judge(run: RunFolder, checks: Iterable[tuple[str, dict[str, Any]]]) -> list[Verdict]:
    """The scenario's checks, then the fault accounting of a scenario with faults: a fault
    that did not fire or landed on nothing makes the run unknown, whatever the checks say."""
    verdicts = []
    for name, options in checks:
        started = time.perf_counter()
        verdict = run_check(name, run, options)
        verdict.stats.setdefault("seconds", round(time.perf_counter() - started, 4))
        verdicts.append(verdict)
    accounting = fault_accounting.check(run)
    if accounting is not None:
        verdicts.append(accounting)
    return verdicts


def write_results(run: RunFolder, verdicts: list[Verdict], extra: dict[str, Any] | None = None
                  ) -> dict[str, Any]:
    status = merge_verdicts(verdicts)
    meta = run.meta
    results = {
        "schema": RESULTS_SCHEMA,
        "harness_version": __version__,
        "run_id": meta.get("run_id"),
        "scenario": meta.get("scenario"),
        "seed": meta.get("seed"),
        "status": str(status),
        "exit_code": exit_code(status),
        "verdicts": [v.to_json() for v in verdicts],
        "stats": run_stats(run),
        "recovery": recovery(run).to_json(),
        "watch": watch_figures(run),
        **(extra or {}),
    }
    run.write_json("results.json", results)
    return results
