"""The example app under the harness: its check passes on the app and fails on a bug,
and its certification suite passes under faults."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.checks.verdict import Status

pytestmark = pytest.mark.integration
HERE = Path(__file__).parents[1]
SCENARIO = """
name: transfer-{version}
workloads:
  - name: examples.money_transfer.workload:TRANSFER
    version: {version}
    count: 8
    params: {{closed_ratio: 0.25}}
faults:
  - {{type: duplicate_delivery, mode: lost_completion, rate: 1.0, activity_types: [withdraw]}}
checks:
  - liveness
  - examples.money_transfer.checks:money_conserved
"""


def statuses(outcome: Any) -> dict[str, Status]:
    return {v.check: v.status for v in outcome.verdicts}


def test_money_is_conserved_under_duplicate_deliveries(run_scenario: Callable[..., Any]
                                                       ) -> None:
    outcome = run_scenario(SCENARIO.format(version="v1"), seed=3)
    # `faults` is the run's fault accounting: the duplicate deliveries really happened.
    assert statuses(outcome) == {"liveness": Status.PASS, "money_conserved": Status.PASS,
                                 "faults": Status.PASS}
    withdraws = [a for a in outcome.run.ledger["attempts"] if a["ref"].endswith("/withdraw")]
    assert sum(a["outcome"] == "duplicate" for a in withdraws) == 8  # each absorbed once


def test_a_missing_idempotency_key_is_caught(run_scenario: Callable[..., Any]) -> None:
    outcome = run_scenario(SCENARIO.format(version="mutant-no-key"), seed=3)
    verdict = next(v for v in outcome.verdicts if v.check == "money_conserved")
    assert verdict.status == Status.FAIL
    assert all(row["history"] and row["observed"] != 0 for row in verdict.evidence)


def test_certification_under_faults(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "certify", "--suite",
         str(HERE / "certification"), "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600, cwd=HERE.parents[1],
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"})
    assert result.returncode == 0, result.stdout + result.stderr
    (certificate,) = tmp_path.glob("certificate-*/certificate.json")
    data = json.loads(certificate.read_text())
    assert data["verdict"] == "pass"
    assert {p["name"] for p in data["parts"]} == {"scenario money-transfer-cert", "replay gate",
                                                  "recovery SLO"}
    assert data["environment"]["temporalio"]
