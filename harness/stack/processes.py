"""Processes the harness owns: started in their own group, recorded on disk, always gone.

Every process the harness starts (Temporal dev server, toxiproxy, the reference services,
workers) must be gone when the harness exits by any path, and a harness killed with SIGKILL
must leave enough behind for the next start to clean up. Three modules:

* here, ``OwnedProcess`` starts a program with ``start_new_session=True``, so it leads a new
  process group (pgid == pid) and every process it forks stays in that group. Signals go to the
  whole group with ``os.killpg``, which is how the temporal CLI dev server's own children die
  with it. **Owned programs must not call setsid/setpgid themselves**: a child that leaves the
  group escapes every kill. Output goes to a log file, not a pipe, so a chatty child can never
  block on a full pipe that nobody reads.
* ``ownership.py`` records every owned process on disk, reaps what a dead harness left and
  kills everything still owned at interpreter exit;
* ``signals.py`` turns SIGTERM and SIGHUP into KeyboardInterrupt so the same cleanup runs.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.errors import MissingBinaryError, StackError, UsageError
from harness.stack.ownership import registry
from harness.stack.process_groups import create_time_of, group_members, killpg

log = logging.getLogger(__name__)


@dataclass
class ProcessRun:
    """One start of an OwnedProcess: what a supervisor journals about worker lifecycles."""

    pid: int
    started_at: float
    ended_at: float | None = None
    returncode: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class OwnedProcess:
    """A program the harness starts, signals, restarts and is sure to kill.

    ``env`` is laid over the harness's own environment (not a replacement for it), because the
    programs we run need PATH, HOME and friends and callers only ever want to add settings.
    """

    def __init__(
        self,
        name: str,
        argv: list[str],
        *,
        log_path: Path,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        if not argv:
            raise UsageError(f"process {name!r} has an empty command line")
        self.name = name
        self.argv = [str(arg) for arg in argv]
        # Absolute: a child whose working directory differs from ours (Locust runs in its load
        # folder) must still find its log, and relative paths break silently there.
        self.log_path = Path(log_path).absolute()
        self.env = dict(env) if env is not None else None
        self.cwd = Path(cwd).absolute() if cwd is not None else None
        self.history: list[ProcessRun] = []
        self._popen: subprocess.Popen[bytes] | None = None
        self._create_time: float | None = None
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"OwnedProcess({self.name!r}, pid={self.pid}, alive={self.alive()})"

    # -- state

    @property
    def pid(self) -> int | None:
        """The pid of the current (or last) start; also the process group id."""
        return self._popen.pid if self._popen is not None else None

    @property
    def started_pid(self) -> int | None:
        """The pid of the last start, also once it has exited (what the registry keys on)."""
        return self.history[-1].pid if self.history else self.pid

    @property
    def pgid(self) -> int | None:
        """Same as pid: start_new_session makes the child the leader of a new group."""
        return self.pid

    @property
    def create_time(self) -> float | None:
        return self._create_time

    @property
    def returncode(self) -> int | None:
        """Exit code of the last start once it has exited (negative: killed by that signal)."""
        with self._lock:
            if self._popen is None:
                return None
            self._poll()
            return self._popen.returncode

    def alive(self) -> bool:
        with self._lock:
            return self._popen is not None and self._poll() is None

    # -- lifecycle

    def start(self) -> OwnedProcess:
        """Start (or restart, after an exit) the program; returns self for chaining."""
        with self._lock:
            if self.alive():
                raise StackError(f"{self.name} is already running (pid {self.pid})")
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            env = None
            if self.env is not None:
                env = dict(os.environ)
                env.update(self.env)
            popen: subprocess.Popen[bytes] | None = None
            try:
                with open(self.log_path, "ab") as log_file:
                    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
                    header = f"=== harness: {stamp} starting {self.name}: {self.argv}\n"
                    log_file.write(header.encode())
                    log_file.flush()
                    popen = subprocess.Popen(
                        self.argv,
                        stdin=subprocess.DEVNULL,
                        stdout=log_file,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                        env=env,
                        cwd=self.cwd,
                        close_fds=True,
                    )
                self._popen = popen
                self._create_time = create_time_of(popen.pid)
                self.history.append(ProcessRun(pid=popen.pid, started_at=time.time()))
                registry().register(self)
            except (FileNotFoundError, PermissionError) as exc:
                if popen is not None:
                    self._abandon(popen)
                    raise
                raise self._start_error(exc) from exc
            except BaseException:
                # The child may exist: whatever interrupted us (a KeyboardInterrupt from the
                # signal handlers included) must not leave it running and unowned.
                if popen is not None:
                    self._abandon(popen)
                raise
            log.debug("started %s pid=%s argv=%s", self.name, popen.pid, self.argv)
            return self

    def signal(self, sig: int) -> None:
        """Send ``sig`` to the whole process group, if it is still ours to signal.

        After we have reaped the leader (and killed what was left of its group) the pgid number
        may be reused by an unrelated process, so an exited process is never signalled again.
        """
        with self._lock:
            if self._popen is None or self._popen.returncode is not None:
                return
            killpg(self._popen.pid, sig)

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the leader to exit; its exit code, or None if still running at timeout."""
        popen = self._popen
        if popen is None:
            return None
        try:
            returncode = popen.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        with self._lock:
            self._on_exit(returncode)
        return returncode

    def kill(self) -> int | None:
        """SIGKILL the group, reap the leader, return its exit code (None if never started)."""
        with self._lock:
            if self._popen is None:
                return None
            self.signal(signal.SIGKILL)
            return self.wait()

    def terminate(self, grace: float = 10.0) -> int | None:
        """SIGTERM the group, give it ``grace`` seconds to exit, then SIGKILL what is left.

        The whole group gets the grace period, not only the leader: a dev server whose CLI
        exits first may still have children flushing their databases.
        """
        with self._lock:
            if self._popen is None:
                return None
            if not self.alive():
                return self._popen.returncode
            pgid = self._popen.pid
            deadline = time.monotonic() + grace
            self.signal(signal.SIGTERM)
            try:
                returncode = self._popen.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                returncode = None
            if returncode is None:
                log.warning(
                    "%s (pid %s) ignored SIGTERM for %.1fs; killing", self.name, pgid, grace
                )
                killpg(pgid, signal.SIGKILL)
                returncode = self._popen.wait()
            else:
                # Leader gone; the group number stays ours while any member is alive.
                while group_members(pgid) and time.monotonic() < deadline:
                    time.sleep(0.05)
            self._on_exit(returncode)
            return returncode

    # -- internals

    def _start_error(self, exc: OSError) -> Exception:
        """One clear line: a missing program is a MissingBinaryError (exit 2), anything else
        (a missing working directory, an unwritable log) is named as what it is."""
        if exc.filename in (None, self.argv[0]):
            problem = "not found" if isinstance(exc, FileNotFoundError) else "is not executable"
            return MissingBinaryError(f"cannot start {self.name}: {self.argv[0]} {problem}")
        return StackError(f"cannot start {self.name}: {exc.filename}: {exc.strerror}")

    def _abandon(self, popen: subprocess.Popen[bytes]) -> None:
        """Kill a child whose start() was interrupted before it was fully recorded."""
        killpg(popen.pid, signal.SIGKILL)
        popen.wait()
        if self._popen is popen:
            self._on_exit(popen.returncode)

    def _poll(self) -> int | None:
        assert self._popen is not None
        returncode = self._popen.poll()
        if returncode is not None:
            self._on_exit(returncode)
        return returncode

    def _on_exit(self, returncode: int | None) -> None:
        """Bookkeeping once the leader has been reaped; idempotent.

        Whatever the leader left behind in its group (a grandchild that outlived it) is killed:
        it is ours, and nothing else will ever clean it up.
        """
        if self.history and self.history[-1].ended_at is None:
            run = self.history[-1]
            run.ended_at = time.time()
            run.returncode = returncode
            killpg(run.pid, signal.SIGKILL)
            registry().unregister(self)
            log.debug("%s pid=%s exited with %s", self.name, run.pid, returncode)
