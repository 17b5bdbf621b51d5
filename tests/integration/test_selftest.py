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


def test_selftest_of_fault_exposed_mutants(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "selftest", "--out", str(tmp_path),
         "--check", "idempotency", "--check", "resume_from_last_step",
         "--check", "entity_consistency"],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    (report,) = tmp_path.glob("selftest-*/selftest.json")
    rows = json.loads(report.read_text())
    assert {r["check"] for r in rows} == {"idempotency", "resume_from_last_step",
                                          "entity_consistency"}
    assert all(r["reference"] == "pass" and r["mutant"] == "fail" for r in rows)


def test_selftest_rejects_an_unknown_check(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "harness.cli", "selftest", "--check", "nope",
                             "--out", str(tmp_path)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "unknown check 'nope'" in result.stderr
    assert not list(tmp_path.iterdir())
