"""`harness stack up` prints reachable addresses and tears everything down on Ctrl-C."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.integration.reaping import reaped

pytestmark = pytest.mark.integration


def test_stack_up_and_ctrl_c(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "stack", "up", "--state-dir", str(tmp_path / "s")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state"), "COLUMNS": "200"},
    )
    with reaped(proc):
        lines: list[str] = []
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "state_dir" in line:
                break
        text = "".join(lines)
        temporal = re.search(r"temporal\s+│\s+127\.0\.0\.1:(\d+)", text)
        assert temporal, text
        children = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        with socket.create_connection(("127.0.0.1", int(temporal.group(1))), timeout=2):
            pass
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
        assert proc.returncode == 130
        gone_by = time.monotonic() + 10
        while time.monotonic() < gone_by and alive(children):
            time.sleep(0.1)
        assert not alive(children)


def alive(pids: set[int]) -> list[int]:
    return [p for p in pids if psutil.pid_exists(p)
            and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]


def test_list_names_everything() -> None:
    result = subprocess.run([sys.executable, "-m", "harness.cli", "list"], capture_output=True,
                            text=True, timeout=60, env={**os.environ, "COLUMNS": "200"})
    assert result.returncode == 0
    for name in ("order_saga", "entity", "fanout", "approval", "liveness", "smoke.yaml"):
        assert name in result.stdout
