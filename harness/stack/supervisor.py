"""Worker supervisor: N worker processes, each killable and restartable like a real crash.

Each start of a worker slot is a new incarnation with a new identity
(`worker-1.2` is slot 1's second life) so Temporal's histories show which process ran
what, and an identity change is visible evidence of a crash and recovery.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from harness.errors import StackError
from harness.journal import Journal
from harness.stack.ports import free_port
from harness.stack.processes import OwnedProcess
from harness.stack.worker_config import WorkerConfig

# A worker that keeps dying is restarted at most this many times by the watchdog.
MAX_INCARNATIONS = 50


@dataclass
class WorkerSlot:
    index: int
    config: WorkerConfig
    process: OwnedProcess | None = None
    incarnation: int = 0
    history: list[dict] = field(default_factory=list)
    expected_down: bool = False  # killed on purpose: not a crash
    crash_reported: bool = False

    @property
    def identity(self) -> str:
        return f"worker-{self.index}.{self.incarnation}"

    @property
    def name(self) -> str:
        return f"worker-{self.index}"


class WorkerSupervisor:
    def __init__(self, run_dir: Path, journal: Journal, base: WorkerConfig, count: int) -> None:
        self.dir = run_dir / "workers"
        self.journal = journal
        self.slots = [WorkerSlot(i + 1, base) for i in range(count)]
        self.restart_delays: dict[int, float | None] = {}

    def slot(self, index: int) -> WorkerSlot:
        return self.slots[index - 1]

    async def start_all(self, timeout: float = 30.0) -> None:
        for slot in self.slots:
            self._spawn(slot)
        await asyncio.gather(*(self.wait_ready(s, timeout) for s in self.slots))

    def _spawn(self, slot: WorkerSlot, config: WorkerConfig | None = None) -> None:
        if config is not None:
            slot.config = config
        slot.incarnation += 1
        slot.expected_down = False
        slot.crash_reported = False
        identity = slot.identity
        ready = self.dir / f"{identity}.ready"
        ready.unlink(missing_ok=True)
        cfg = replace(slot.config, identity=identity, ready_file=str(ready))
        if cfg.metrics_port == 0:  # asked for SDK metrics: a Prometheus port per incarnation
            cfg = replace(cfg, metrics_port=free_port())
        cfg_path = cfg.write(self.dir / f"{identity}.json")
        argv = [sys.executable, "-m", "harness.stack.worker_main", str(cfg_path)]
        # The harness's import path reaches the workers: users' workloads named by import
        # path (`package.module:NAME`) must import there too.
        python_path = os.pathsep.join(p for p in [os.getcwd(), *sys.path] if p)
        slot.process = OwnedProcess(slot.name, argv, log_path=self.dir / f"{identity}.log",
                                    env={"PYTHONPATH": python_path})
        slot.process.start()
        self.journal.worker("start", identity, pid=slot.process.pid,
                            workloads=cfg.workloads)

    async def wait_ready(self, slot: WorkerSlot, timeout: float = 30.0) -> None:
        # The life started for this wait: another fault may start the next one meanwhile.
        identity = slot.identity
        ready = self.dir / f"{identity}.ready"
        deadline = time.monotonic() + timeout
        proc = slot.process
        assert proc is not None
        while not ready.exists():
            if not proc.alive():
                code = proc.returncode
                self.journal.worker("exit", identity, pid=proc.pid, exit_code=code)
                raise StackError(f"worker {identity} exited with code {code} before ready; "
                                 f"see {self.dir / (identity + '.log')}")
            if time.monotonic() > deadline:
                raise StackError(f"worker {identity} not ready after {timeout:.0f}s; "
                                 f"see {self.dir / (identity + '.log')}")
            await asyncio.sleep(0.05)
        self.journal.worker("ready", identity, pid=proc.pid)

    def kill(self, index: int, sig: int = signal.SIGKILL, grace: float = 5.0) -> int | None:
        """SIGKILL (a crash) or SIGTERM (a graceful stop, SIGKILL after `grace`)."""
        slot = self.slot(index)
        proc = slot.process
        if proc is None or not proc.alive():
            return None
        pid = proc.pid
        slot.expected_down = True
        self.journal.worker("kill", slot.identity, pid=pid, signal=signal.Signals(sig).name)
        code = proc.kill() if sig == signal.SIGKILL else proc.terminate(grace)
        self.journal.worker("exit", slot.identity, pid=pid, exit_code=code)
        return code

    async def restart(self, index: int, config: WorkerConfig | None = None,
                      timeout: float = 30.0) -> None:
        """Start a new incarnation of a slot (optionally with another config: a deploy)."""
        slot = self.slot(index)
        if slot.process is not None and slot.process.alive():
            self.kill(index, signal.SIGTERM)
        self._spawn(slot, config)
        await self.wait_ready(slot, timeout)

    def expect_down(self, index: int) -> None:
        """The next death of this slot is deliberate (a fault), not a crash to report."""
        self.slot(index).expected_down = True

    def restart_on_crash(self, index: int, delay: float | None) -> None:
        """When this slot's worker dies unasked (an aimed crash), restart it after `delay`."""
        self.restart_delays[index] = delay

    async def watch(self, period: float = 0.1) -> None:
        """Journal every unexpected worker death, and restart it if asked to. Runs until
        cancelled."""
        while True:
            for slot in self.slots:
                proc = slot.process
                if proc is None or proc.alive() or slot.expected_down or slot.crash_reported:
                    continue
                slot.crash_reported = True
                self.journal.worker("crash", slot.identity, pid=proc.pid,
                                    exit_code=proc.returncode)
                delay = self.restart_delays.get(slot.index)
                if slot.index in self.restart_delays and delay is not None:
                    if slot.incarnation >= MAX_INCARNATIONS:
                        self.journal.worker("gave_up", slot.identity, restarts=slot.incarnation)
                        continue
                    await asyncio.sleep(delay)
                    with contextlib.suppress(StackError):
                        # It may crash again before ready (the fault that killed it can hit
                        # the next life too): then this loop sees it dead and goes again.
                        await self.restart(slot.index)
            await asyncio.sleep(period)

    def alive(self) -> list[int]:
        return [s.index for s in self.slots if s.process is not None and s.process.alive()]

    def serving(self) -> list[int]:
        """Slots whose current life is alive and ready (polling): one still starting, e.g.
        restarted by an earlier fault, has not taken any work yet."""
        return [s.index for s in self.slots if s.process is not None and s.process.alive()
                and (self.dir / f"{s.identity}.ready").exists()]

    def pids(self) -> list[int]:
        """Process ids of the workers alive now (whatever incarnation)."""
        return [pid for s in self.slots if s.process is not None and s.process.alive()
                and (pid := s.process.pid) is not None]

    def stop_all(self, grace: float = 5.0) -> None:
        for slot in self.slots:
            if slot.process is not None and slot.process.alive():
                self.kill(slot.index, signal.SIGTERM, grace)
