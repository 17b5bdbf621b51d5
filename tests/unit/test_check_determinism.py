"""determinism on real recorded histories (tests/unit/fixtures/histories, see manifest.json).

v1 histories replay on v1; v2-unpatched inserts an activity before the charge, so the
same histories fail on it with the replayer's nondeterminism message. Replays are bounded.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from harness.checks import replay
from harness.checks.determinism import DeterminismOptions, check
from harness.checks.verdict import Status
from tests.unit.runbuilder import FIXTURES, RunBuilder


def recorded(tmp_path: Path) -> RunBuilder:
    """A run holding the recorded v1 histories: two order sagas, an entity across CAN."""
    b = RunBuilder(tmp_path)
    manifest = json.loads((FIXTURES / "histories" / "manifest.json").read_text())
    for h in manifest["histories"]:
        name = h["workflow_id"].split("/", 1)[1]
        b.stored_history(name, h["file"], h["run_id"], h["workflow_type"], h["status"],
                         h["start_time"])
    return b


def test_pass_v1_histories_replay_on_v1(tmp_path: Path) -> None:
    run = recorded(tmp_path).scenario({"order_saga": "v1", "entity": "v1"}).build()
    verdict = check(run)
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["replayed_ok"] == 4


def test_fail_v1_histories_on_v2_unpatched_name_workflow_run_history_and_message(
        tmp_path: Path) -> None:
    run = recorded(tmp_path).scenario({"order_saga": "v2-unpatched", "entity": "v1"}).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    assert verdict.stats["failed"] == 2 and verdict.stats["replayed_ok"] == 2
    for row in verdict.evidence:
        assert row["workflow_type"] == "OrderSaga" and row["version"] == "v2-unpatched"
        assert row["workflow_id"].startswith("r1/order_saga")
        assert row["run_id"] and row["history"].startswith("histories/r1__order_saga")
        assert "[TMPRL1100] Nondeterminism error" in row["error"]
        assert "notify_order" in row["error"]


def test_workers_version_overrides_the_workload_version(tmp_path: Path) -> None:
    run = recorded(tmp_path).scenario({"order_saga": "v1", "entity": "v1"},
                                      workers={"order_saga": "v2-unpatched"}).build()
    assert check(run).status == Status.FAIL


def test_latest_deploy_decides_the_code(tmp_path: Path) -> None:
    b = recorded(tmp_path).scenario({"order_saga": "v1", "entity": "v1"})
    b.fault("deploy", fault_id="f1", params={"workload": "order_saga", "from": "v1",
                                             "to": "v2-unpatched"})
    assert check(b.build()).status == Status.FAIL
    b.fault("deploy", fault_id="f2", params={"workload": "order_saga", "from": "v2-unpatched",
                                             "to": "v1"})
    assert check(b.build()).status == Status.PASS


def test_a_hanging_replay_is_bounded_and_never_a_pass(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    async def hang(history: object, workflows: object) -> None:
        await asyncio.sleep(3600)

    monkeypatch.setattr(replay, "replay", hang)
    run = recorded(tmp_path).scenario({"order_saga": "v1", "entity": "v1"}).build()
    started = time.monotonic()
    verdict = check(run, DeterminismOptions(timeout_s=0.2))
    assert time.monotonic() - started < 4 * (0.2 + 1.0)
    assert verdict.status == Status.UNKNOWN
    assert all("timed out" in row["error"] for row in verdict.evidence)


def test_a_replay_stuck_outside_the_event_loop_is_abandoned(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async def block(history: object, workflows: object) -> None:
        time.sleep(3)  # blocks the replay's own loop: only the join timeout can help

    monkeypatch.setattr(replay, "replay", block)
    run = RunBuilder(tmp_path).stored_history(
        "o", "order_saga_v1_completed.json", "x", "OrderSaga").scenario(
        {"order_saga": "v1"}).build()
    started = time.monotonic()
    verdict = check(run, DeterminismOptions(timeout_s=0.1))
    assert time.monotonic() - started < 2.5
    assert verdict.status == Status.UNKNOWN
    assert "thread abandoned" in verdict.evidence[0]["error"]


def test_unknown_without_histories_or_for_an_undeployed_type(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").scenario({"order_saga": "v1"}).build()).status \
        == Status.UNKNOWN
    run = recorded(tmp_path / "b").scenario({"order_saga": "v1"}).build()  # no entity
    verdict = check(run)
    assert verdict.status == Status.UNKNOWN
    assert {r["workflow_type"] for r in verdict.evidence} == {"AccountEntity"}
