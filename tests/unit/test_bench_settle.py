"""The quiet-server wait before each benchmark measurement."""

from __future__ import annotations

import asyncio
import subprocess
import sys

from harness.bench.settle import until_quiet


def _start(code: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-c", code])


def test_an_idle_process_is_quiet_after_one_window() -> None:
    proc = _start("import time; time.sleep(30)")
    try:
        waited = asyncio.run(until_quiet(proc.pid, window=0.3, max_wait=5.0))
    finally:
        proc.kill()
        proc.wait()
    assert 0.3 <= waited < 2.0


def test_a_busy_process_is_waited_for_up_to_the_limit() -> None:
    # Measured once it says it spins, against a low bar: even on a loaded machine a spinning
    # process gets far more than 1% of a core (a fresh process may not have run yet).
    proc = subprocess.Popen([sys.executable, "-c",
                             "print('spinning', flush=True)\nwhile True: pass"],
                            stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"spinning\n"
        waited = asyncio.run(until_quiet(proc.pid, threshold=1.0, window=0.5, max_wait=1.5))
    finally:
        proc.kill()
        proc.wait()
    assert waited >= 1.5


def test_no_process_or_a_gone_one_counts_as_quiet() -> None:
    assert asyncio.run(until_quiet(None)) == 0.0
    proc = _start("pass")
    proc.wait()
    assert asyncio.run(until_quiet(proc.pid, window=0.1, max_wait=1.0)) < 1.0
