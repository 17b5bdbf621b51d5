"""Temporal's services as separate owned processes: frontend, matching, worker, N history.

Each process runs `temporal-server --config-file temporal.yaml --allow-no-auth start
--service NAME` with its own ports in its environment. On a fresh database the services
race to write the cluster's metadata row and the losers exit; so the frontend starts alone
first, and the others once it answers. A process that exits unexpectedly during start is
started again (bounded); later exits are the faults' business, or reported.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from harness.errors import StackError
from harness.stack.cluster.layout import ClusterLayout, Host
from harness.stack.processes import OwnedProcess


class ClusterServices:
    def __init__(self, server: Path, config_file: Path, layout: ClusterLayout, folder: Path,
                 env: dict[str, dict[str, str]]) -> None:
        self.server = server
        self.config_file = config_file
        self.layout = layout
        self.folder = folder
        self.env = env  # per host name: the process's environment
        self.processes: dict[str, OwnedProcess] = {}

    def argv(self, host: Host) -> list[str]:
        return [str(self.server), "--config-file", str(self.config_file), "--allow-no-auth",
                "start", "--service", host.service]

    def log_path(self, name: str) -> Path:
        return self.folder / f"{name}.log"

    def start(self, name: str) -> OwnedProcess:
        host = self.layout.host(name)
        proc = self.processes.get(name)
        if proc is None:
            proc = OwnedProcess(f"temporal-{name}", self.argv(host), log_path=self.log_path(name),
                                env=self.env[name])
            self.processes[name] = proc
        proc.start()
        return proc

    def kill(self, name: str) -> int | None:
        proc = self.processes.get(name)
        return proc.kill() if proc else None

    def stop(self, name: str, grace: float = 10.0) -> int | None:
        proc = self.processes.get(name)
        return proc.terminate(grace) if proc else None

    def pid(self, name: str) -> int | None:
        proc = self.processes.get(name)
        return proc.pid if proc and proc.alive() else None

    def dead(self) -> list[str]:
        return [name for name, proc in self.processes.items() if not proc.alive()]

    async def start_all(self, frontend_ready: Callable[[float], Awaitable[None]],
                        timeout: float = 60.0) -> None:
        """Frontend first (it writes the cluster metadata), then the rest together; a service
        that loses a start-up race (exits) is started again until `timeout`."""
        self.start("frontend")
        await frontend_ready(timeout)
        others = [h.name for h in self.layout.hosts if h.name != "frontend"]
        for name in others:
            self.start(name)
        await self.settle(others, timeout)

    async def restart_all(self, frontend_ready: Callable[[float], Awaitable[None]],
                          timeout: float = 60.0) -> None:
        """Every service at once, on a database that already holds the cluster's metadata
        (after a whole-server crash). The membership table still lists the killed processes
        (their rows outlive them until their heartbeats expire): a frontend started alone
        tries to join those addresses for the whole maxJoinDuration (30 s) before it serves;
        started together, the same addresses answer at once."""
        for host in self.layout.hosts:
            self.start(host.name)
        await frontend_ready(timeout)
        await self.settle([h.name for h in self.layout.hosts if h.name != "frontend"], timeout)

    async def settle(self, names: list[str], timeout: float, calm: float = 3.0) -> None:
        """Wait until the named processes have stayed up for `calm` seconds, restarting the
        ones that exit; one line naming the first that kept dying and its log otherwise."""
        deadline = time.monotonic() + timeout
        restarts: dict[str, int] = {}
        up_since = time.monotonic()
        while time.monotonic() - up_since < calm:
            for name in names:
                proc = self.processes[name]
                if proc.alive():
                    continue
                restarts[name] = restarts.get(name, 0) + 1
                if restarts[name] > 5 or time.monotonic() > deadline:
                    raise StackError(f"temporal {name} keeps exiting (code {proc.returncode}); "
                                     f"see {self.log_path(name)}")
                proc.start()
                up_since = time.monotonic()
            await asyncio.sleep(0.2)

    def stop_all(self, grace: float = 10.0) -> None:
        """SIGTERM every process at once, then wait: a clean stop takes up to a few seconds
        each, and one after the other would add up."""
        for proc in self.processes.values():
            proc.signal(signal.SIGTERM)
        for proc in self.processes.values():
            proc.terminate(grace)
