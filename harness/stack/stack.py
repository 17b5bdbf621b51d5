"""The stack a scenario runs against, brought up and torn down as one.

    harness ──direct──────────────────────────► Temporal frontend (embedded or external)
    workers ──► toxiproxy "temporal" proxy ───► Temporal frontend
    activities ► toxiproxy "services" proxy ──► reference services (HTTP + SQLite ledger)
    approvals service ──direct (callbacks) ───► Temporal frontend
    cluster stack only: history, matching ──► toxiproxy "database" proxy ──► PostgreSQL

Workers and activities always go through their proxy so that network faults can be
injected on either link; the harness's own client goes direct, so that judging is never
disturbed by the faults it injects. An external cluster replaces the embedded server;
if it is not on a loopback address, the workers connect to it directly (toxiproxy only
ever forwards to loopback) and network faults on that link are unavailable.
"""

from __future__ import annotations

import asyncio
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from harness.errors import StackError, UsageError
from harness.stack.binaries import find_binary
from harness.stack.cluster.cluster import DEFAULT_HISTORY_HOSTS, DEFAULT_SHARDS, TemporalCluster
from harness.stack.connection import TemporalConnection
from harness.stack.namespace import prepare_namespace
from harness.stack.ports import ensure_port_free, free_port, is_loopback
from harness.stack.processes import OwnedProcess
from harness.stack.temporal_server import TemporalDevServer
from harness.stack.toxiproxy import Toxiproxy
from harness.stack.toxiproxy_server import ToxiproxyServer
from harness.watch.backlog import STATS_TTL

TEMPORAL_PROXY = "temporal"
SERVICES_PROXY = "services"
DATABASE_PROXY = "database"


@dataclass
class StackOptions:
    state_dir: Path
    temporal_address: str | None = None  # external cluster; None = embedded dev server
    namespace: str = "default"
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    api_key: str | None = None
    temporal_port: int | None = None
    toxiproxy_url: str | None = None  # an existing toxiproxy server; None = our own
    toxiproxy_port: int | None = None
    services_port: int | None = None
    temporal_dynamic_config: dict[str, str] = field(default_factory=dict)
    # The cluster stack: the real server, one process per service, on a private PostgreSQL.
    cluster: bool = False
    history_hosts: int = DEFAULT_HISTORY_HOSTS
    history_shards: int = DEFAULT_SHARDS

    def __post_init__(self) -> None:
        # Children get paths under the state dir (databases, logs, the ledger): absolute, so
        # none of them depends on the working directory it happens to run in.
        self.state_dir = Path(self.state_dir).absolute()
        for name in ("tls_cert", "tls_key", "tls_ca"):
            value = getattr(self, name)
            if value:
                setattr(self, name, str(Path(value).expanduser().absolute()))

    def check_ports(self) -> None:
        """Fail fast (exit 2, nothing started) if a port the user asked for is taken."""
        for port, what in ((self.temporal_port, "temporal frontend"),
                           (self.toxiproxy_port, "toxiproxy API"),
                           (self.services_port, "reference services")):
            if port:
                ensure_port_free("127.0.0.1", port, what)


class Stack:
    def __init__(self, options: StackOptions) -> None:
        self.options = options
        self.temporal: TemporalDevServer | TemporalCluster | None = None
        self.cluster: TemporalCluster | None = None
        self.toxiproxy_server: ToxiproxyServer | None = None
        self.toxiproxy: Toxiproxy | None = None
        self.services: OwnedProcess | None = None
        self.direct: TemporalConnection | None = None
        self.worker_connection: TemporalConnection | None = None
        self.services_url = ""
        self.activities_services_url = ""

    @property
    def embedded(self) -> bool:
        """The harness owns Temporal (the dev server or the cluster stack)."""
        return self.options.temporal_address is None

    @property
    def kind(self) -> str:
        if self.options.temporal_address is not None:
            return "external"
        return "cluster" if self.options.cluster else "dev"

    @property
    def network_faults_on_temporal_link(self) -> bool:
        """Known before start: toxiproxy only forwards to loopback (test traffic stays here)."""
        address = self.options.temporal_address
        return address is None or is_loopback(address.rpartition(":")[0])

    async def up(self) -> Stack:
        opts = self.options
        self.preflight()
        opts.state_dir.mkdir(parents=True, exist_ok=True)
        try:
            self._start_toxiproxy()  # first: the cluster's database link goes through it
            await self._start_temporal()
            await self._start_services()
            self._create_proxies()
        except BaseException:
            await self.down()
            raise
        return self

    def preflight(self) -> None:
        """Everything that can be bad input is checked before the first process starts."""
        self.options.check_ports()
        if self.options.cluster and self.options.temporal_address:
            raise UsageError("--cluster starts the harness's own cluster: it cannot be "
                             "combined with --temporal-address")
        if self.kind == "cluster":
            self.cluster = TemporalCluster(
                self.options.state_dir / "cluster", namespace=self.options.namespace,
                history_hosts=self.options.history_hosts, shards=self.options.history_shards,
                frontend_port=self.options.temporal_port)
            self.cluster.preflight()
        elif self.embedded:
            find_binary("temporal")
        if not self.options.toxiproxy_url:
            find_binary("toxiproxy-server")

    async def _start_temporal(self) -> None:
        opts = self.options
        if self.cluster is not None:
            assert self.toxiproxy is not None
            database = self.cluster.layout.postgres_port
            listen = f"127.0.0.1:{free_port()}"
            self.toxiproxy.create_proxy(DATABASE_PROXY, listen, f"127.0.0.1:{database}")
            self.temporal = self.cluster
            await self.cluster.up(database_for={"history": listen, "matching": listen})
            self.direct = self.cluster.connection
        elif self.embedded:
            self.temporal = TemporalDevServer(
                opts.state_dir, port=opts.temporal_port, namespace=opts.namespace,
                dynamic_config={**STATS_TTL, **opts.temporal_dynamic_config})
            await self.temporal.start()
            self.direct = self.temporal.connection
        else:
            assert opts.temporal_address
            self.direct = TemporalConnection(opts.temporal_address, opts.namespace,
                                             opts.tls_cert, opts.tls_key, opts.tls_ca,
                                             opts.api_key)
            self.direct.export_secret()
            await prepare_namespace(self.direct)

    def _start_toxiproxy(self) -> None:
        opts = self.options
        if opts.toxiproxy_url:
            self.toxiproxy = Toxiproxy(opts.toxiproxy_url)
            self.toxiproxy.version()
        else:
            self.toxiproxy_server = ToxiproxyServer(opts.state_dir / "toxiproxy.log")
            self.toxiproxy_server.start(port=opts.toxiproxy_port)
            self.toxiproxy = Toxiproxy(self.toxiproxy_server.url)

    async def _start_services(self) -> None:
        opts = self.options
        assert self.direct is not None
        port = opts.services_port or free_port()
        argv = [sys.executable, "-m", "harness.services", "--host", "127.0.0.1",
                "--port", str(port), "--db", str(opts.state_dir / "ledger.sqlite"),
                "--temporal-address", self.direct.address, "--namespace", self.direct.namespace]
        # The API key reaches it through the environment (export_secret), never argv.
        for flag, value in (("--tls-cert", opts.tls_cert), ("--tls-key", opts.tls_key),
                            ("--tls-ca", opts.tls_ca)):
            if value:
                argv += [flag, value]
        self.services = OwnedProcess("services", argv, log_path=opts.state_dir / "services.log")
        self.services.start()
        self.services_url = f"http://127.0.0.1:{port}"
        await wait_http(self.services_url + "/health", 20.0, self.services,
                        opts.state_dir / "services.log")

    def _create_proxies(self) -> None:
        assert self.toxiproxy is not None and self.direct is not None
        host, _, port = self.direct.address.rpartition(":")
        if is_loopback(host):
            listen = f"127.0.0.1:{free_port()}"
            self.toxiproxy.create_proxy(TEMPORAL_PROXY, listen, f"127.0.0.1:{port}")
            self.worker_connection = self.direct.with_address(listen)
        else:
            self.worker_connection = self.direct
        listen = f"127.0.0.1:{free_port()}"
        self.toxiproxy.create_proxy(SERVICES_PROXY, listen, self.services_url.split("//")[1])
        self.activities_services_url = f"http://{listen}"

    def addresses(self) -> dict[str, str]:
        return {
            "temporal": self.direct.address if self.direct else "",
            "temporal_for_workers": self.worker_connection.address if self.worker_connection
            else "",
            "namespace": self.options.namespace,
            "toxiproxy": self.toxiproxy.url if self.toxiproxy else "",
            "services": self.services_url,
            "services_for_activities": self.activities_services_url,
            "state_dir": str(self.options.state_dir),
            **(self.cluster.addresses() if self.cluster else {}),
        }

    async def down(self) -> None:
        """Tear everything down; heal toxiproxy first so nothing stays broken if it is shared.
        Temporal stops before its proxies go: a cluster's history hosts flush through the
        database proxy while they shut down."""
        errors: list[str] = []
        if self.toxiproxy is not None:
            try:
                self.toxiproxy.heal()
            except Exception as err:  # noqa: BLE001
                errors.append(f"toxiproxy heal: {err}")
        for proc in (self.services,):
            if proc is not None:
                proc.terminate(3.0)
        if self.cluster is not None:
            await self.cluster.down()
        elif isinstance(self.temporal, TemporalDevServer):
            self.temporal.stop(5.0)
        if self.toxiproxy is not None and self.toxiproxy_server is None:
            try:  # a shared server: remove our proxies
                for name in (TEMPORAL_PROXY, SERVICES_PROXY, DATABASE_PROXY):
                    if name in self.toxiproxy.proxies():
                        self.toxiproxy.delete_proxy(name)
            except Exception as err:  # noqa: BLE001
                errors.append(f"toxiproxy clean-up: {err}")
        if self.toxiproxy_server is not None:
            self.toxiproxy_server.stop()
        if errors:
            raise StackError("; ".join(errors))

    async def __aenter__(self) -> Stack:
        return await self.up()

    async def __aexit__(self, *exc: object) -> None:
        await self.down()


async def wait_http(url: str, timeout: float, proc: OwnedProcess | None, log: Path) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if proc is not None and not proc.alive():
                raise StackError(f"{proc.name} exited with code {proc.returncode}; see {log}")
            try:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=1)) as resp:
                    if resp.status == 200:
                        return
            except (TimeoutError, aiohttp.ClientError):
                pass
            await asyncio.sleep(0.1)
    raise StackError(f"{url} did not answer within {timeout:.0f}s; see {log}")
