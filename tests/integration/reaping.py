"""A finaliser for tests that start a harness process: whatever the test's outcome, the
process and everything it started are killed by pid, so a failed test leaves nothing running
(a failed Ctrl-C test once left a `harness stack up` and its Temporal server behind)."""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Iterator

import psutil


@contextlib.contextmanager
def reaped(proc: subprocess.Popen[str], also: set[int] | None = None
           ) -> Iterator[subprocess.Popen[str]]:
    """`also`: pids the test saw (filled in as it goes), killed too: a SIGKILLed harness's
    children are no longer its descendants."""
    seen: set[int] = set()
    try:
        yield proc
    finally:
        with contextlib.suppress(psutil.Error):
            seen = {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        if proc.poll() is None:
            proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=10)
        for pid in seen | (also or set()):
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()
