"""Process groups as the kernel sees them, through psutil: who is alive, who is in a group,
and whether a pid still names the process we started (pids are reused; create times are
not).

Every process the harness owns leads its own process group (pgid == pid), so a signal to
the group reaches every process it forked.
"""

from __future__ import annotations

import os
import time

import psutil

# psutil derives create_time from the start time in clock ticks (10 ms on Linux), so two reads
# of the same process agree exactly, and two different processes with the same pid would have
# to start within one tick of each other to be confused.
CREATE_TIME_TOLERANCE = 0.01




def create_time_of(pid: int) -> float | None:
    """The process's create time, or None when there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def is_running(pid: int, create_time: float | None = None) -> bool:
    """True when ``pid`` is a live (non-zombie) process and, if given, started at create_time."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > (
            CREATE_TIME_TOLERANCE
        ):
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def group_members(pgid: int) -> list[psutil.Process]:
    """Live (non-zombie) processes in process group ``pgid``.

    Zombies are left out: they hold no resources but a pid, cannot be killed, and are reaped by
    whoever their parent is (init, for the children of a dead harness).
    """
    members = []
    for pid in psutil.pids():
        try:
            if os.getpgid(pid) != pgid:
                continue
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:
                members.append(proc)
        except (OSError, psutil.Error):
            continue
    return members


def killpg(pgid: int, sig: int) -> bool:
    """Signal a whole group; False when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` is running; return the ones still running at the deadline."""
    deadline = time.monotonic() + timeout
    remaining = [pid for pid in pids if is_running(pid)]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.02)
        remaining = [pid for pid in remaining if is_running(pid)]
    return remaining



def same_time(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= CREATE_TIME_TOLERANCE


def started_after(proc: psutil.Process, create_time: float) -> bool:
    try:
        return proc.create_time() >= create_time - CREATE_TIME_TOLERANCE
    except psutil.Error:
        return False


