"""Wait for a quiet server before a measurement, so one side of a pair does not pay for the
work the other left behind.

After some 20K fan-outs the dev server was measured still busy for 3-5 s (what it does then
was not looked into); the next measurement, of the other side, would share the CPU with it.
Waiting until the server's own CPU use falls below a threshold for a moment makes each
measurement start from the same state.
"""

from __future__ import annotations

import asyncio
import time

import psutil

QUIET_CPU_PERCENT = 10.0  # of one core, averaged over QUIET_WINDOW
QUIET_WINDOW = 1.0
MAX_WAIT = 60.0


async def until_quiet(pid: int | None, *, threshold: float = QUIET_CPU_PERCENT,
                      window: float = QUIET_WINDOW, max_wait: float = MAX_WAIT) -> float:
    """Seconds waited until `pid` used under `threshold`% of a core over one `window` (at
    most `max_wait`; a missing process counts as quiet)."""
    started = time.monotonic()
    if pid is None:
        return 0.0
    try:
        proc = psutil.Process(pid)
        proc.cpu_percent(None)  # the first call only sets the reference point
        while time.monotonic() - started < max_wait:
            await asyncio.sleep(window)
            if proc.cpu_percent(None) < threshold:
                break
    except psutil.NoSuchProcess:
        pass
    return round(time.monotonic() - started, 2)
