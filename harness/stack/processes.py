"""Processes the harness owns: started in their own group, recorded on disk, always gone.

DESIGN.md principle 5: every process the harness starts (Temporal dev server, toxiproxy, the
reference services, workers) must be gone when the harness exits by any path, and a harness
killed with SIGKILL must leave enough behind for the next start to clean up. The pieces:

* ``OwnedProcess`` starts a program with ``start_new_session=True``, so it leads a new process
  group (pgid == pid) and every process it forks stays in that group. Signals go to the whole
  group with ``os.killpg``, which is how the temporal CLI dev server's own children die with it.
  **Owned programs must not call setsid/setpgid themselves**: a child that leaves the group
  escapes every kill below. Output goes to a log file, not a pipe, so a chatty child can never
  block on a full pipe that nobody reads.
* ``ProcessRegistry`` (one per harness process, ``registry()``) keeps
  ``state_dir()/owned/<harness pid>.json`` up to date, written atomically (tmp + os.replace)
  so a SIGKILL can never leave half a record. Each record carries process create times, so a
  later ``reap_leftovers()`` can tell "the process we started" from "a new process that got the
  same pid", and never touches the records of a harness that is still alive (a concurrent
  pytest run, say). The first ``start()`` in a process reaps leftovers automatically.
* ``kill_all_owned()`` runs at interpreter exit (atexit), and ``install_signal_handlers()``
  turns SIGTERM and SIGHUP into KeyboardInterrupt so ``finally`` blocks and atexit run for them
  just as they do for Ctrl-C. Without the handlers a SIGTERM kills Python without running
  either, and the on-disk record is what cleans up.

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
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import psutil

from harness.errors import MissingBinaryError, StackError, UsageError

log = logging.getLogger(__name__)

STATE_DIR_ENV = "HARNESS_STATE_DIR"

# psutil derives create_time from the start time in clock ticks (10 ms on Linux), so two reads
# of the same process agree exactly, and two different processes with the same pid would have
# to start within one tick of each other to be confused.
_CREATE_TIME_TOLERANCE = 0.01


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


# --------------------------------------------------------------------------- psutil helpers


def _create_time(pid: int) -> float | None:
    """The process's create time, or None when there is no such process."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _is_running(pid: int, create_time: float | None = None) -> bool:
    """True when ``pid`` is a live (non-zombie) process and, if given, started at create_time."""
    try:
        proc = psutil.Process(pid)
        if create_time is not None and abs(proc.create_time() - create_time) > (
            _CREATE_TIME_TOLERANCE
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


def _killpg(pgid: int, sig: int) -> bool:
    """Signal a whole group; False when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def _wait_gone(pids: list[int], timeout: float) -> list[int]:
    """Wait until none of ``pids`` is running; return the ones still running at the deadline."""
    deadline = time.monotonic() + timeout
    remaining = [pid for pid in pids if _is_running(pid)]
    while remaining and time.monotonic() < deadline:
        time.sleep(0.02)
        remaining = [pid for pid in remaining if _is_running(pid)]
    return remaining


# --------------------------------------------------------------------------- OwnedProcess


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
                self._create_time = _create_time(popen.pid)
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
            _killpg(self._popen.pid, sig)

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
                _killpg(pgid, signal.SIGKILL)
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
        _killpg(popen.pid, signal.SIGKILL)
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
            _killpg(run.pid, signal.SIGKILL)
            registry().unregister(self)
            log.debug("%s pid=%s exited with %s", self.name, run.pid, returncode)


# --------------------------------------------------------------------------- registry


class ProcessRegistry:
    """The on-disk record of the processes this harness owns, and the reaper of old records."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._owned: dict[int, OwnedProcess] = {}
        self._entries: dict[int, dict[str, Any]] = {}
        self._file: Path | None = None
        self._reaped_dirs: set[Path] = set()
        self._pid = os.getpid()
        self._create_time = _create_time(self._pid)

    @property
    def record_path(self) -> Path:
        """Where this harness's record lives (whether or not it exists right now)."""
        return _owned_dir() / f"{self._pid}.json"

    def owned(self) -> list[OwnedProcess]:
        with self._lock:
            return list(self._owned.values())

    def register(self, proc: OwnedProcess) -> None:
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

    def unregister(self, proc: OwnedProcess) -> None:
        with self._lock:
            pid = proc.history[-1].pid if proc.history else proc.pid
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
            if harness_pid == self._pid and _same_time(harness_ct, self._create_time):
                continue  # our own record
            if harness_ct is not None and _is_running(harness_pid, harness_ct):
                continue  # a live harness (e.g. a concurrent pytest run): not ours to touch
            if harness_ct is None and _is_running(harness_pid):
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


def _same_time(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= _CREATE_TIME_TOLERANCE


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
    current_ct = _create_time(pid)
    if current_ct is not None and not _same_time(current_ct, recorded_ct):
        return []
    members = group_members(pgid)
    ours = [p for p in members if _started_after(p, recorded_ct)]
    if not ours:
        return []
    if len(ours) == len(members):
        _killpg(pgid, signal.SIGKILL)
    else:
        for proc in ours:
            with contextlib.suppress(psutil.Error):
                proc.send_signal(signal.SIGKILL)
    pids = [p.pid for p in ours]
    still = _wait_gone(pids, timeout=5.0)
    if still:
        log.warning("leftover processes %s survived SIGKILL", still)
    return pids


def _started_after(proc: psutil.Process, create_time: float) -> bool:
    try:
        return proc.create_time() >= create_time - _CREATE_TIME_TOLERANCE
    except psutil.Error:
        return False


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


# --------------------------------------------------------------------------- signals


class TerminatedBySignal(KeyboardInterrupt):
    """SIGTERM or SIGHUP, delivered as a KeyboardInterrupt so the same cleanup paths run.

    It is a KeyboardInterrupt subclass so every ``except KeyboardInterrupt`` and ``finally``
    written for Ctrl-C covers it, while the CLI can still tell which signal it was.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(f"received {signal.Signals(signum).name}")
        self.signum = signum


_HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
_original_handlers: dict[int, Any] = {}
_interrupted = False


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    """Raise once; later signals must not interrupt the teardown the first one started."""
    global _interrupted
    if _interrupted:
        print(
            f"harness: {signal.Signals(signum).name} again while shutting down; "
            "still cleaning up (SIGKILL skips cleanup; the next start reaps leftovers)",
            file=sys.stderr,
        )
        return
    _interrupted = True
    raise TerminatedBySignal(signum)


SignalHandler = Callable[[int, FrameType | None], Any] | int | None


def install_signal_handlers() -> dict[int, SignalHandler]:
    """Make SIGTERM and SIGHUP raise KeyboardInterrupt (TerminatedBySignal) in the main thread,
    and SIGINT raise KeyboardInterrupt even when the harness inherited it ignored.

    Returns the handlers that were in place before the first call, for
    ``restore_signal_handlers``. Calling it again is harmless and returns the same originals.
    Must be called from the main thread (Python only runs signal handlers there).
    """
    global _interrupted
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("install_signal_handlers must be called from the main thread")
    for sig in _HANDLED_SIGNALS:
        current = signal.getsignal(sig)
        if current is not _raise_interrupt:
            _original_handlers[sig] = current
            signal.signal(sig, _raise_interrupt)
    # Python leaves a SIGINT that was ignored when it started ignored (a background job of a
    # non-interactive shell, some CI runners): Ctrl-C would then never reach the cleanup.
    current = signal.getsignal(signal.SIGINT)
    if current is not signal.default_int_handler and not callable(current):
        _original_handlers[signal.SIGINT] = current
        signal.signal(signal.SIGINT, signal.default_int_handler)
    _interrupted = False
    return dict(_original_handlers)


def restore_signal_handlers(previous: Mapping[int, SignalHandler]) -> None:
    """Put back handlers returned by ``install_signal_handlers``."""
    global _interrupted
    for sig, handler in previous.items():
        signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
        _original_handlers.pop(sig, None)
    _interrupted = False
