"""Deploy drills on the real stack: unpatched is detected, patched passes, recovery completes,
v3 (deprecate_patch) replays on patched histories."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.checks.verdict import Status
from harness.runner import RunOutcome, run_scenario
from harness.scenario import load_scenario
from harness.stack.stack import Stack
from harness.versions.replay_gate import (
    gate_exit_code,
    history_files,
    load_workflow_classes,
    replay_files,
)

pytestmark = pytest.mark.integration
DRILLS = Path(__file__).parents[2] / "scenarios" / "drills"


def run_drill(stack: Stack, tmp_path: Path, name: str) -> RunOutcome:
    scenario = load_scenario(DRILLS / f"{name}.yaml")
    return asyncio.run(run_scenario(scenario, stack, tmp_path))


def verdicts(outcome: RunOutcome) -> dict[str, object]:
    return {v.check: v for v in outcome.verdicts}


def test_unpatched_deploy_is_detected_with_the_message(stack: Stack, tmp_path: Path) -> None:
    outcome = run_drill(stack, tmp_path, "deploy-unpatched")
    found = verdicts(outcome)["nondeterminism"]
    assert found.status == Status.PASS, found  # type: ignore[attr-defined]
    rows = found.evidence  # type: ignore[attr-defined]
    assert rows and all("TMPRL1100" in r["message"] for r in rows)
    stuck = [r for r in rows if r["status"] == "RUNNING"]
    assert stuck and all(r["pending_workflow_task_attempt"] >= 1 for r in stuck)
    assert all(r["history"].startswith("histories/") for r in rows)


def test_patched_deploy_passes(stack: Stack, tmp_path: Path) -> None:
    outcome = run_drill(stack, tmp_path, "deploy-patched")
    assert [(v.check, v.status) for v in outcome.verdicts] == [
        (c, Status.PASS) for c in ("liveness", "nondeterminism", "determinism", "faults")
    ], outcome.verdicts


def test_recovery_drill_completes_every_stuck_workflow(stack: Stack, tmp_path: Path) -> None:
    outcome = run_drill(stack, tmp_path, "deploy-recover")
    found = verdicts(outcome)
    assert all(v.status == Status.PASS for v in found.values()), outcome.verdicts
    rows = found["nondeterminism"].evidence  # type: ignore[attr-defined]
    assert rows, "the bad deploy must have stranded workflows first"
    completed = {w["workflow_id"] for w in outcome.run.workflows if w["status"] != "RUNNING"}
    assert {r["workflow_id"] for r in rows} <= completed
    deploys = [e for e in outcome.run.journal if e.get("fault") == "deploy"
               and e["type"] == "inject"]
    assert [d["params"]["versions"]["order_saga"] for d in deploys] == ["v2-unpatched",
                                                                          "v2-patched"]


def test_v3_replays_patched_histories_but_not_v1(run_yaml) -> None:
    patched = run_yaml("""
name: patched-histories
workloads:
  - {name: order_saga, version: v2-patched, count: 2}
  - {name: approval, version: v2-patched, count: 2, params: {callback_delay: 0.2}}
""")
    v1 = run_yaml("""
name: v1-histories
workloads:
  - {name: order_saga, count: 2}
  - {name: approval, count: 2, params: {callback_delay: 0.2}}
""")
    v3 = load_workflow_classes("order_saga@v3-deprecated,approval@v3-deprecated")
    assert gate_exit_code(replay_files(history_files(patched.run.histories_dir), v3, 10)) == 0
    assert gate_exit_code(replay_files(history_files(v1.run.histories_dir), v3, 10)) == 1
