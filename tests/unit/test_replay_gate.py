"""The replay gate on stored fixture histories: pass, nondeterminism, v3, the timeout guard."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from harness.checks import replay as replay_module
from harness.errors import UsageError
from harness.versions.replay_gate import (
    gate_exit_code,
    history_files,
    load_workflow_classes,
    replay_files,
)

FIXTURES = Path(__file__).parent / "fixtures" / "histories"


def run(spec: str, timeout: float = 10.0):  # type: ignore[no-untyped-def]
    return replay_files(history_files(FIXTURES), load_workflow_classes(spec), timeout)


def test_v1_histories_replay_on_v1_and_on_v2_patched() -> None:
    for version in ("v1", "v2-patched"):
        results = run(f"order_saga@{version},entity@{version}")
        assert len(results) == 4
        assert gate_exit_code(results) == 0, [r.outcome for r in results]


def test_unpatched_v2_is_caught_with_the_message() -> None:
    results = run("order_saga@v2-unpatched")
    assert gate_exit_code(results) == 1
    assert {r.outcome.status for r in results} == {"nondeterminism"}
    assert all("TMPRL1100" in r.outcome.message for r in results)
    assert all("notify_order" in r.outcome.message for r in results)


def test_v3_deprecated_fails_on_pure_v1_histories() -> None:
    results = run("order_saga@v3-deprecated,entity@v3-deprecated")
    assert gate_exit_code(results) == 1


def test_other_workflow_types_are_skipped() -> None:
    results = run("approval@v1")
    assert results == []


def test_timeout_guard_bounds_a_hanging_replay(monkeypatch: pytest.MonkeyPatch) -> None:
    async def hang(history, workflows):  # type: ignore[no-untyped-def]
        await asyncio.sleep(3600)

    monkeypatch.setattr(replay_module, "replay", hang)
    results = run("order_saga@v1", timeout=0.3)
    assert {r.outcome.status for r in results} == {"timeout"}
    assert gate_exit_code(results) == 3


def test_bad_inputs_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="unknown version .v9. of .order_saga."):
        load_workflow_classes("order_saga@v9")
    with pytest.raises(UsageError, match="cannot import"):
        load_workflow_classes("nowhere.module:Nothing")
    with pytest.raises(UsageError, match="no history files"):
        history_files(tmp_path)


def test_cli_exit_codes_and_table() -> None:
    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "harness.cli", "replay", *args],
                              capture_output=True, text=True, timeout=120,
                              env={"COLUMNS": "200", "PATH": "/usr/bin:/bin"})

    ok = cli("--histories", str(FIXTURES), "--workflows", "order_saga@v1")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "PASS: 2 of 2" in ok.stdout
    bad = cli("--histories", str(FIXTURES), "--workflows",
              "harness.workloads.order_saga.versions:OrderSagaV2Unpatched")
    assert bad.returncode == 1
    assert "nondeterminism" in bad.stdout and "FAIL: 0 of 2" in bad.stdout
    assert cli("--histories", str(FIXTURES), "--workflows", "order_saga@v1",
               "--timeout", "0").returncode == 2
