"""Nothing the harness starts outlives it: success, error, SIGINT, SIGTERM, and SIGKILL + reap.

Each test runs the real CLI as a subprocess, records (by pid) every process it starts
while it runs, and checks after it exits that none of them is alive.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.integration.reaping import reaped

pytestmark = pytest.mark.integration

SLOW = """
name: slow
deadline: 2m
workloads:
  - name: approval
    count: 2
    params: {approve: 0, reject: 0, never: 1, timeout: 60s}
"""
QUICK = """
name: quick
workloads:
  - name: order_saga
    count: 2
"""


def start_harness(tmp_path: Path, scenario: str, **env: str) -> subprocess.Popen[str]:
    path = tmp_path / "scenario.yaml"
    path.write_text(scenario)
    return subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", str(path), "--out", str(tmp_path / "out")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"), **env},
    )


def descendants(pid: int) -> set[int]:
    try:
        return {p.pid for p in psutil.Process(pid).children(recursive=True)}
    except psutil.Error:
        return set()


def watch_until(proc: subprocess.Popen[str], ready: tuple[Path, str] | None,
                timeout: float = 90) -> set[int]:
    """Collect the harness's descendants until a file matching `ready` (folder, glob) exists."""
    seen: set[int] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        seen |= descendants(proc.pid)
        if ready is not None and any(ready[0].glob(ready[1])):
            time.sleep(0.5)
            seen |= descendants(proc.pid)
            return seen
        time.sleep(0.1)
    return seen


def alive(pids: set[int]) -> set[int]:
    out = set()
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                out.add(pid)
        except psutil.Error:
            pass
    return out


def wait_gone(pids: set[int], timeout: float = 10) -> set[int]:
    deadline = time.monotonic() + timeout
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return alive(pids)


def test_nothing_left_after_success(tmp_path: Path) -> None:
    proc = start_harness(tmp_path, QUICK)
    with reaped(proc):
        seen = watch_until(proc, None)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out
        assert len(seen) >= 4  # temporal, toxiproxy, services, workers
        assert wait_gone(seen) == set()


def test_nothing_left_after_error_mid_run(tmp_path: Path) -> None:
    proc = start_harness(tmp_path, QUICK, HARNESS_CRASH_AT="driving")
    with reaped(proc):
        seen = watch_until(proc, None)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode != 0 and "deliberate crash" in out, out
        assert len(seen) >= 4
        assert wait_gone(seen) == set()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_nothing_left_after_signal(tmp_path: Path, sig: signal.Signals) -> None:
    proc = start_harness(tmp_path, SLOW)
    with reaped(proc):
        seen = watch_until(proc, (tmp_path, "out/*/workers/*.ready"))
        assert proc.poll() is None, proc.communicate()[0]
        proc.send_signal(sig)
        out, _ = proc.communicate(timeout=60)
        assert proc.returncode == 130, out
        assert "interrupted" in out
        assert len(seen) >= 4  # temporal, toxiproxy, services, a worker
        assert wait_gone(seen) == set()


def test_sigkill_leftovers_reaped_by_next_start(tmp_path: Path) -> None:
    proc = start_harness(tmp_path, SLOW)
    seen: set[int] = set()
    with reaped(proc, seen):
        seen |= watch_until(proc, (tmp_path, "out/*/workers/*.ready"))
        proc.kill()
        proc.wait(timeout=10)
        time.sleep(0.5)
        leftovers = alive(seen)
        assert leftovers, "a SIGKILLed harness cannot clean up: its children must still be there"
        result = subprocess.run(
            [sys.executable, "-m", "harness.cli", "list"], capture_output=True, text=True,
            timeout=60, env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")},
        )
        assert result.returncode == 0, result.stderr
        assert "left by a killed harness" in result.stderr
        assert wait_gone(leftovers) == set()
