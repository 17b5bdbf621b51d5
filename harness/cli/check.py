"""`harness check RUN_DIR`: re-judge a stored run folder from its files alone (no stack)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from harness.checks.verdict import exit_code, merge_verdicts
from harness.cli.console import console
from harness.cli.render import print_verdicts
from harness.errors import UsageError
from harness.judge import judge, write_results
from harness.report import write_reports
from harness.runfolder import RunFolder
from harness.scenario import load_scenario


def register(sub: Any) -> None:
    check = sub.add_parser("check", help="re-judge a stored run folder (no stack needed)")
    check.add_argument("run_dir", type=Path, metavar="RUN_DIR")
    check.set_defaults(handler=execute)


def execute(args: argparse.Namespace) -> int:
    run_dir: Path = args.run_dir
    run = RunFolder(run_dir)
    scenario_file = run_dir / "scenario.yaml"
    if not scenario_file.exists():
        raise UsageError(f"{run_dir}: not a run folder (no scenario.yaml)")
    scenario = load_scenario(scenario_file)
    verdicts = judge(run, [(c.name, c.options) for c in scenario.checks])
    stored = run.read_json("results.json", {})
    write_results(run, verdicts, {"rejudged": True})
    write_reports(run.path)
    print_verdicts(run, verdicts)
    before = {v["check"]: v["status"] for v in stored.get("verdicts", [])}
    for v in verdicts:
        if v.check in before and before[v.check] != str(v.status):
            console.print(f"[yellow]{v.check}: was {before[v.check]}, now {v.status}[/]")
    return exit_code(merge_verdicts(verdicts))
