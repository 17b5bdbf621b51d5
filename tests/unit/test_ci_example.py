"""The GitHub Actions example is valid YAML and runs the documented commands."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).parents[2] / ".github" / "workflows" / "nightly.yml"


def test_nightly_workflow_runs_the_suite_and_keeps_the_evidence() -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    steps = data["jobs"]["nightly"]["steps"]
    commands = "\n".join(s.get("run", "") for s in steps)
    assert "scripts/bootstrap.sh" in commands
    assert "pytest scenarios/nightly" in commands and "--junitxml" in commands
    assert "GITHUB_STEP_SUMMARY" in commands
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)


def test_nightly_workflow_explores_with_a_seed_from_the_date() -> None:
    data = yaml.safe_load(WORKFLOW.read_text())
    steps = data["jobs"]["nightly"]["steps"]
    explore = [s for s in steps if "harness explore" in s.get("run", "")]
    assert len(explore) == 1
    assert "--seed-from-date" in explore[0]["run"] and "--budget" in explore[0]["run"]
    assert explore[0].get("if") == "always()"  # runs even when the fixed suite failed
    summary = next(s for s in steps if "GITHUB_STEP_SUMMARY" in s.get("run", ""))
    assert "explore.md" in summary["run"]
