"""Bad input: one clear line naming file and field, exit code 2, and nothing started."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

pytestmark = pytest.mark.integration

BAD = Path(__file__).parent / "fixtures" / "bad"

CASES = {
    "yaml_syntax.yaml": ("5", "YAML syntax error"),
    "unknown_workload.yaml": ("3", "workloads[0].name"),
    "unknown_field.yaml": ("5", "workloads[0].colour"),
    "negative_count.yaml": ("4", "workloads[0].count"),
    "bad_duration.yaml": ("2", "deadline"),
    "unknown_check.yaml": ("7", "checks[1]"),
    "bad_param.yaml": ("6", "workloads[0].params.children"),
    "unknown_version.yaml": ("4", "workloads[0].version"),
    "unknown_fault.yaml": ("6", "faults[0].type"),
    "missing_name.yaml": ("1", "name"),
    "zero_workers.yaml": ("6", "workers.count"),
}


def harness(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "harness.cli", *args], capture_output=True,
                          text=True, timeout=60, env={**os.environ, **(env or {})}, cwd=cwd)


def children_of_nobody_started(state: Path) -> bool:
    owned = state / "owned"
    return not owned.exists() or not any(owned.iterdir())


def test_every_fixture_has_a_case() -> None:
    assert sorted(p.name for p in BAD.glob("*.yaml")) == sorted(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_malformed_scenario(name: str, tmp_path: Path) -> None:
    line, field = CASES[name]
    before = {p.pid for p in psutil.process_iter()}
    result = harness("run", str(BAD / name), "--out", str(tmp_path / "out"),
                     env={"HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 2, result.stderr
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert f"{name}:{line}" in lines[0] and field in lines[0], lines[0]
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert children_of_nobody_started(tmp_path / "state")
    new = {p.pid for p in psutil.process_iter()} - before
    assert not any(_is_ours(pid, tmp_path / "state") for pid in new)


def _is_ours(pid: int, state: Path) -> bool:
    """A stack process this harness started: it inherited this test's state folder (other
    suites on the same machine start their own servers meanwhile)."""
    try:
        process = psutil.Process(pid)
        cmd = " ".join(process.cmdline())
        inherited = process.environ().get("HARNESS_STATE_DIR")
    except psutil.Error:
        return False
    stack = "start-dev" in cmd or "toxiproxy-server" in cmd or "harness.services" in cmd
    return stack and inherited == str(state)


def test_unknown_scenario_path(tmp_path: Path) -> None:
    result = harness("run", str(tmp_path / "nope.yaml"), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr


def test_missing_binary_starts_nothing(tmp_path: Path) -> None:
    scenario = Path(__file__).parents[2] / "scenarios" / "smoke.yaml"
    result = harness("run", str(scenario), "--out", str(tmp_path / "out"),
                     env={"HARNESS_TOXIPROXY_BIN": str(tmp_path / "no-such-toxiproxy"),
                          "HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 2, result.stderr
    assert "toxiproxy-server" in result.stderr
    assert children_of_nobody_started(tmp_path / "state")


def test_port_in_use_starts_nothing(tmp_path: Path) -> None:
    import socket

    scenario = Path(__file__).parents[2] / "scenarios" / "smoke.yaml"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        result = harness("run", str(scenario), "--out", str(tmp_path / "out"),
                         "--temporal-port", str(port),
                         env={"HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 2, result.stderr
    assert f"port {port}" in result.stderr and "temporal" in result.stderr
    assert children_of_nobody_started(tmp_path / "state")


def test_usage_error_exit_code() -> None:
    assert harness("frobnicate").returncode == 2
