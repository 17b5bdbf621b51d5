"""Ownership of processes: a record on disk of every process this harness started, the
reaper of records left by a harness that died, and the atexit safety net.

``ProcessRegistry`` (one per harness process, ``registry()``) keeps
``state_dir()/owned/<harness pid>.json`` up to date, written atomically (tmp + os.replace) so
a SIGKILL can never leave half a record. Each record carries process create times, so a later
``reap_leftovers()`` can tell "the process we started" from "a new process that got the same
pid", and never touches the records of a harness that is still alive (a concurrent pytest
run, say). The first start of an owned process reaps leftovers automatically, and
``kill_all_owned()`` runs at interpreter exit.

Known, accepted gaps: a SIGKILL landing between fork and the registry write loses that one
process's record (a window of microseconds); pids and create times come from psutil, whose
create time has clock-tick (10 ms) resolution.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

import psutil

from harness.stack.process_groups import (
    create_time_of,
    group_members,
    is_running,
    killpg,
    same_time,
    started_after,
    wait_gone,
)

log = logging.getLogger(__name__)


class Owned(Protocol):
    """What the registry needs of an owned process (an OwnedProcess)."""

    name: str
    argv: list[str]

    @property
    def pid(self) -> int | None: ...

    @property
    def pgid(self) -> int | None: ...

    @property
    def create_time(self) -> float | None: ...

    @property
    def started_pid(self) -> int | None: ...

    def alive(self) -> bool: ...

    def kill(self) -> int | None: ...


STATE_DIR_ENV = "HARNESS_STATE_DIR"

def state_dir() -> Path:
    """Where the harness keeps state that must outlive one run (the owned-process records).

    HARNESS_STATE_DIR wins so tests and concurrent users can isolate themselves; the default is
    per user, not per checkout, because leftovers must be found whichever checkout started them.
    """
    override = os.environ.get(STATE_DIR_ENV)
    if override:
        path = Path(override).expanduser()
    else:
        path = Path.home() / ".local" / "state" / "temporal-chaos-harness"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _owned_dir() -> Path:
    path = state_dir() / "owned"
    path.mkdir(parents=True, exist_ok=True)
    return path


class ProcessRegistry:
    """The on-disk record of the processes this harness owns, and the reaper of old records."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owned: dict[int, Owned] = {}
        self._entries: dict[int, dict[str, Any]] = {}
        self._file: Path | None = None
        self._reaped_dirs: set[Path] = set()
        self._pid = os.getpid()
        self._create_time = create_time_of(self._pid)

    @property
    def record_path(self) -> Path:
        """Where this harness's record lives (whether or not it exists right now)."""
        return _owned_dir() / f"{self._pid}.json"

    def owned(self) -> list[Owned]:
        with self._lock:
            return list(self._owned.values())

    def register(self, proc: Owned) -> None:
        with self._lock:
            _register_atexit_once()
            directory = state_dir().resolve()
            if directory not in self._reaped_dirs:
                self._reaped_dirs.add(directory)
                for leftover in reap_leftovers():
                    log.warning("reaped a leftover of a dead harness: %s", leftover)
            assert proc.pid is not None
            self._owned[proc.pid] = proc
            self._entries[proc.pid] = {
                "name": proc.name,
                "pid": proc.pid,
                "pgid": proc.pgid,
                "create_time": proc.create_time,
                "argv": proc.argv,
            }
            self._write()

    def unregister(self, proc: Owned) -> None:
        with self._lock:
            pid = proc.started_pid
            if pid is None or self._owned.get(pid) is not proc:
                return
            del self._owned[pid]
            del self._entries[pid]
            self._write()

    def _write(self) -> None:
        """Rewrite the record atomically; remove it when nothing is owned any more."""
        path = self.record_path
        if self._file is not None and self._file != path:
            # HARNESS_STATE_DIR changed under us (tests do this): do not leave a stale record.
            self._file.unlink(missing_ok=True)
        if not self._entries:
            path.unlink(missing_ok=True)
            self._file = None
            return
        record = {
            "harness_pid": self._pid,
            "harness_create_time": self._create_time,
            "harness_argv": sys.argv,
            "written_at": time.time(),
            "processes": list(self._entries.values()),
        }
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(json.dumps(record, indent=2))
        os.replace(tmp, path)
        self._file = path

    def kill_all(self) -> list[dict[str, Any]]:
        """SIGKILL every group still owned; return what was killed. Never raises."""
        killed = []
        for proc in self.owned():
            try:
                entry = {"name": proc.name, "pid": proc.pid}
                if proc.alive():
                    entry["returncode"] = proc.kill()
                    killed.append(entry)
                else:
                    self.unregister(proc)
            except Exception:  # noqa: BLE001 - teardown must reach every process
                log.exception("could not kill %s", proc)
        return killed

    def reap_leftovers(self) -> list[dict[str, Any]]:
        """Kill what dead harnesses left behind; see the module function of the same name."""
        reaped: list[dict[str, Any]] = []
        for path in sorted(_owned_dir().glob("*.json")):
            try:
                record = json.loads(path.read_text())
                harness_pid = int(record["harness_pid"])
                harness_ct = record.get("harness_create_time")
                entries = list(record.get("processes", []))
            except (OSError, ValueError, KeyError, TypeError) as exc:
                log.warning("ignoring unreadable owned-process record %s: %s", path, exc)
                continue
            if harness_pid == self._pid and same_time(harness_ct, self._create_time):
                continue  # our own record
            if harness_ct is not None and is_running(harness_pid, harness_ct):
                continue  # a live harness (e.g. a concurrent pytest run): not ours to touch
            if harness_ct is None and is_running(harness_pid):
                continue  # cannot tell whether it is the same harness: be safe
            for entry in entries:
                try:
                    killed = _kill_leftover(entry)
                except (KeyError, TypeError, ValueError) as exc:
                    log.warning("ignoring malformed entry %r in %s: %s", entry, path, exc)
                    continue
                if killed:
                    reaped.append({**entry, "harness_pid": harness_pid, "killed_pids": killed})
            path.unlink(missing_ok=True)
        return reaped


def _kill_leftover(entry: Mapping[str, Any]) -> list[int]:
    """Kill one recorded group of a dead harness, guarding against pid reuse.

    * Leader alive with the recorded create time: it is ours, kill its whole group.
    * A process with the leader's pid but another create time: the pid was reused, which the
      kernel only allows once our group was empty; nothing of ours is left, touch nothing.
    * No process with that pid: members still in the group (grandchildren that outlived the
      leader) are ours if they started after the leader did; kill those.
    """
    pid = int(entry["pid"])
    pgid = int(entry.get("pgid") or pid)
    recorded_ct = entry.get("create_time")
    if recorded_ct is None:
        return []
    current_ct = create_time_of(pid)
    if current_ct is not None and not same_time(current_ct, recorded_ct):
        return []
    members = group_members(pgid)
    ours = [p for p in members if started_after(p, recorded_ct)]
    if not ours:
        return []
    if len(ours) == len(members):
        killpg(pgid, signal.SIGKILL)
    else:
        for proc in ours:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
    pids = [p.pid for p in ours]
    still = wait_gone(pids, timeout=5.0)
    if still:
        log.warning("leftover processes %s survived SIGKILL", still)
    return pids


_REGISTRY: ProcessRegistry | None = None
_REGISTRY_LOCK = threading.Lock()
_ATEXIT_REGISTERED = False


def _register_atexit_once() -> None:
    """The safety net is installed on the first start, once per process."""
    global _ATEXIT_REGISTERED
    if not _ATEXIT_REGISTERED:
        atexit.register(kill_all_owned)
        _ATEXIT_REGISTERED = True


def registry() -> ProcessRegistry:
    """The registry of this harness process (a fresh one in a forked child)."""
    global _REGISTRY
    with _REGISTRY_LOCK:
        if _REGISTRY is None or _REGISTRY._pid != os.getpid():
            _REGISTRY = ProcessRegistry()
        return _REGISTRY


def _forget_registry_after_fork() -> None:
    """A forked child owns nothing: its atexit must not kill the parent's processes."""
    global _REGISTRY, _REGISTRY_LOCK
    _REGISTRY = None
    _REGISTRY_LOCK = threading.Lock()


os.register_at_fork(after_in_child=_forget_registry_after_fork)


def reap_leftovers() -> list[dict[str, Any]]:
    """Kill the processes recorded by harnesses that are dead; delete their records.

    A harness counts as dead when its pid is gone, is a zombie, or belongs to a process with a
    different create time. Records of live harnesses are never touched. Returns one dict per
    recorded process that was killed (name, pid, pgid, argv, harness_pid, killed_pids).
    """
    return registry().reap_leftovers()


def kill_all_owned() -> list[dict[str, Any]]:
    """SIGKILL every process group this harness still owns (the atexit safety net)."""
    if _REGISTRY is None or _REGISTRY._pid != os.getpid():
        return []
    return _REGISTRY.kill_all()


