"""The cluster stack brought up and down as one, and the faults' handle on each part.

    up:   PostgreSQL (fresh data folder) ─► schemas ─► frontend ─► history x N, matching,
          worker ─► the namespace and the run-id search attribute, usable
    down: services (SIGTERM together) ─► PostgreSQL (fast shutdown)

History and matching reach PostgreSQL through the address they are given (a toxiproxy
proxy, so network faults can hit the database link); frontend and worker go direct, so
the harness's own client is not disturbed by them. `kill`/`start` act on every service at
once (a whole-server crash, as `server_restart` does to the dev server); the host and
database methods are what the cluster faults use.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from harness.errors import StackError
from harness.stack.cluster.build import (
    CONFIG_TEMPLATE,
    DYNAMIC_CONFIG,
    ClusterBinaries,
    find_cluster_binaries,
)
from harness.stack.cluster.layout import ClusterLayout
from harness.stack.cluster.postgres import PrivatePostgres
from harness.stack.cluster.schema import setup_schema
from harness.stack.cluster.services import ClusterServices
from harness.stack.connection import TemporalConnection
from harness.stack.namespace import prepare_namespace
from harness.stack.ports import ensure_port_free

DEFAULT_HISTORY_HOSTS = 2
# With 8 shards and 2 hosts, the hash ring gave one host every shard for some port pairs;
# with 16 that is a 1-in-30000 chance, and each host owns shards that a kill can move.
DEFAULT_SHARDS = 16
RETENTION = timedelta(days=1)


class TemporalCluster:
    def __init__(self, folder: Path, *, namespace: str = "default",
                 history_hosts: int = DEFAULT_HISTORY_HOSTS, shards: int = DEFAULT_SHARDS,
                 frontend_port: int | None = None) -> None:
        if history_hosts < 1 or shards < 1:
            from harness.errors import UsageError

            raise UsageError(f"cluster: need at least one history host and one shard "
                             f"(got {history_hosts} hosts, {shards} shards)")
        # Absolute: PostgreSQL resolves its paths after moving into its data folder.
        self.folder = folder.resolve()
        self.namespace = namespace
        self.requested_port = frontend_port
        self.layout = ClusterLayout.draw(history_hosts, shards, frontend_port)
        self._binaries: ClusterBinaries | None = None
        self.postgres: PrivatePostgres | None = None
        self.services: ClusterServices | None = None

    # -- what the stack and the faults see

    @property
    def address(self) -> str:
        return self.layout.frontend.address

    @property
    def connection(self) -> TemporalConnection:
        return TemporalConnection(self.address, self.namespace)

    @property
    def binary(self) -> Path:
        return self.binaries.server

    @property
    def pid(self) -> int | None:
        return self.services.pid("frontend") if self.services else None

    @property
    def binaries(self) -> ClusterBinaries:
        if self._binaries is None:
            self._binaries = find_cluster_binaries()
        return self._binaries

    @property
    def history_hosts(self) -> list[str]:
        return [h.name for h in self.layout.history]

    def preflight(self) -> None:
        """Bad input before anything starts: missing programs, an unusable folder, a port."""
        _ = self.binaries
        if self.requested_port:
            ensure_port_free("127.0.0.1", self.requested_port, "temporal frontend")
        PrivatePostgres(self.folder / "postgres", self.layout.postgres_port,
                        self.binaries).preflight()

    def addresses(self) -> dict[str, str]:
        out = {"postgres": f"127.0.0.1:{self.layout.postgres_port}"}
        out |= {f"temporal_{h.name}": h.address for h in self.layout.hosts}
        return out

    # -- lifecycle

    async def up(self, database_for: dict[str, str] | None = None, timeout: float = 90.0
                 ) -> None:
        """Start everything; `database_for` maps a service (history, matching) to the
        host:port it reaches PostgreSQL at (default: PostgreSQL itself)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.postgres = PrivatePostgres(self.folder / "postgres", self.layout.postgres_port,
                                        self.binaries)
        self.postgres.init()
        await self.postgres.start()
        await setup_schema(self.binaries, "127.0.0.1", self.layout.postgres_port,
                           self.postgres.env(), self.folder / "schema.log")
        database_for = database_for or {}
        env = {}
        for host in self.layout.hosts:
            db_host, _, db_port = database_for.get(
                host.service, f"127.0.0.1:{self.layout.postgres_port}").rpartition(":")
            env[host.name] = {**self.layout.env(host), **self.postgres.env(),
                              "DB_HOST": db_host, "DB_PORT": db_port,
                              "DYNAMIC_CONFIG_FILE": str(DYNAMIC_CONFIG)}
        self.services = ClusterServices(self.binaries.server, CONFIG_TEMPLATE, self.layout,
                                        self.folder, env)
        await self.services.start_all(self.wait_frontend, timeout)
        await self.register_namespace(timeout)
        await prepare_namespace(self.connection)

    async def down(self) -> None:
        if self.services is not None:
            await asyncio.to_thread(self.services.stop_all)
        if self.postgres is not None:
            await asyncio.to_thread(self.postgres.stop)

    async def wait_frontend(self, timeout: float) -> None:
        """Until the frontend answers a call that needs the database."""
        from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
        from temporalio.client import Client

        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.services is not None
            if "frontend" in self.services.dead():
                code = self.services.processes["frontend"].returncode
                raise StackError(f"temporal frontend exited with code {code}; see "
                                 f"{self.services.log_path('frontend')}")
            try:
                client = await Client.connect(self.address, namespace="temporal-system")
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace="temporal-system"))
                return
            except Exception as err:  # noqa: BLE001 - not up yet
                last = err
                await asyncio.sleep(0.2)
        raise StackError(f"temporal frontend on {self.address} not answering after "
                         f"{timeout:.0f}s ({last}); see {self.folder / 'frontend.log'}")

    async def register_namespace(self, timeout: float) -> None:
        """Create the namespace and wait until the frontend knows it (its cache refreshes)."""
        from temporalio.api.workflowservice.v1 import (
            DescribeNamespaceRequest,
            RegisterNamespaceRequest,
        )
        from temporalio.client import Client
        from temporalio.service import RPCError, RPCStatusCode

        client = await Client.connect(self.address, namespace=self.namespace)
        try:
            await client.workflow_service.register_namespace(RegisterNamespaceRequest(
                namespace=self.namespace, workflow_execution_retention_period=RETENTION))
        except RPCError as err:
            if err.status != RPCStatusCode.ALREADY_EXISTS:
                raise StackError(f"cannot create namespace {self.namespace} on the cluster: "
                                 f"{err}") from err
        deadline = time.monotonic() + timeout
        while True:
            try:
                await client.workflow_service.describe_namespace(
                    DescribeNamespaceRequest(namespace=self.namespace))
                return
            except RPCError as err:
                if time.monotonic() > deadline:
                    raise StackError(f"namespace {self.namespace} created but not visible "
                                     f"after {timeout:.0f}s: {err}") from err
                await asyncio.sleep(0.2)

    # -- whole-server crash (server_restart on the cluster)

    def kill(self) -> int | None:
        """SIGKILL every service process (PostgreSQL stays up): a whole-server crash."""
        assert self.services is not None
        pid = self.pid
        for name in self.services.processes:
            self.services.kill(name)
        return pid

    async def start(self, timeout: float = 60.0) -> None:
        assert self.services is not None
        await self.services.restart_all(self.wait_frontend, timeout)

    def alive(self) -> bool:
        return bool(self.services and not self.services.dead()
                    and self.postgres and self.postgres.alive())

    # -- what the cluster faults act on

    def kill_host(self, name: str) -> int | None:
        assert self.services is not None
        pid = self.services.pid(name)
        self.services.kill(name)
        return pid

    def stop_host(self, name: str, grace: float = 10.0) -> int | None:
        assert self.services is not None
        pid = self.services.pid(name)
        self.services.stop(name, grace)
        return pid

    async def start_host(self, name: str, timeout: float = 30.0) -> int | None:
        assert self.services is not None
        self.services.start(name)
        if name == "frontend":
            await self.wait_frontend(timeout)
        else:
            await self.services.settle([name], timeout, calm=1.0)
        return self.services.pid(name)

    @property
    def database_pid(self) -> int | None:
        process = self.postgres.process if self.postgres else None
        return process.pid if process and process.alive() else None

    def stop_database(self) -> int | None:
        assert self.postgres is not None
        pid = self.database_pid
        self.postgres.stop()
        return pid

    async def start_database(self, timeout: float = 30.0) -> None:
        assert self.postgres is not None
        await self.postgres.start(timeout)
