"""`harness check` re-judges a stored run from its files alone and agrees with the run."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.integration


def test_check_gives_the_same_verdicts(run_yaml) -> None:
    outcome = run_yaml("""
name: rejudge
workloads:
  - {name: order_saga, count: 2, params: {fail_at: charge}}
  - {name: approval, count: 2, params: {timeout: 1s}}
""")
    stored = json.loads((outcome.run.path / "results.json").read_text())
    # No stack is needed: the check reads only the folder.
    result = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(outcome.run.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == stored["exit_code"] == 0, result.stdout + result.stderr
    rejudged = json.loads((outcome.run.path / "results.json").read_text())
    assert [(v["check"], v["status"], v["summary"]) for v in rejudged["verdicts"]] == [
        (v["check"], v["status"], v["summary"]) for v in stored["verdicts"]]


def test_check_on_a_tampered_run_fails(run_yaml) -> None:
    """The re-judge reads the files: a straggler planted in workflows.json is reported."""
    outcome = run_yaml("""
name: tamper
workloads:
  - {name: order_saga, count: 1}
""")
    path = outcome.run.path / "workflows.json"
    records = json.loads(path.read_text())
    records[0]["status"] = "RUNNING"
    path.write_text(json.dumps(records))
    result = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(outcome.run.path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stdout
    assert "did not reach" in result.stdout


def test_check_on_a_non_run_folder(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-m", "harness.cli", "check", str(tmp_path)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "not a run folder" in result.stderr
