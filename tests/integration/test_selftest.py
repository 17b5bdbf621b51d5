"""`harness selftest` on the checks whose mutants need a fault to show (the others are in
test_mutants.py): exit 0 only when each reference passes and each mutant fails."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_selftest_rows_run_in_the_suite(tmp_path: Path) -> None:
    """Every selftest row marked `suite` (the others run in `harness certify`): each proven
    only when its fault fired, the reference passed and the mutant failed for the planted
    reason. Rows of one scenario share its runs."""
    from harness.selftest import CASES

    checks = sorted({c.check for c in CASES if c.where == "suite"})
    wanted = {(c.check, c.branch) for c in CASES if c.check in checks}
    assert all(c.where == "suite" for c in CASES if c.check in checks)
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "selftest", "--out", str(tmp_path),
         *[arg for check in checks for arg in ("--check", check)]],
        capture_output=True, text=True, timeout=600,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    (report,) = tmp_path.glob("selftest-*/selftest.json")
    rows = json.loads(report.read_text())
    assert {(r["check"], r["branch"]) for r in rows} == wanted
    assert all(r["ok"] and r["planted_found"] and r["fault"] in ("yes", "n/a") for r in rows)
    assert {r["fault"] for r in rows if r["check"] != "compensation"} == {"yes"}


def test_selftest_rejects_an_unknown_check(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "harness.cli", "selftest", "--check", "nope",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown check 'nope'" in result.stderr
    assert not list(tmp_path.iterdir())
