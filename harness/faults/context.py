"""What a fault may touch while it fires: the `FaultContext` protocol.

Faults and the nemesis are written against these protocols, not against the runner, so
they import nothing above them and can be unit-tested with fakes. The runner's
`RunContext` satisfies `FaultContext`; the worker supervisor, the toxiproxy client and the
embedded dev server satisfy the protocols of what they control.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from temporalio.client import Client

    from harness.journal import Journal
    from harness.runfolder import RunFolder
    from harness.stack.supervisor import WorkerSlot
    from harness.stack.worker_config import WorkerConfig
    from harness.workloads.client_faults import ClientFaults


class Workers(Protocol):
    """The worker slots of the run (the supervisor): killed, restarted, redeployed."""

    @property
    def slots(self) -> Sequence[WorkerSlot]: ...

    def slot(self, index: int) -> WorkerSlot: ...

    def alive(self) -> list[int]: ...

    def serving(self) -> list[int]: ...

    def kill(self, index: int, sig: int = ..., grace: float = ...) -> int | None: ...

    async def restart(self, index: int, config: WorkerConfig | None = None,
                      timeout: float = ...) -> None: ...

    def expect_down(self, index: int) -> None: ...

    def restart_on_crash(self, index: int, delay: float | None) -> None: ...

    async def watch(self, period: float = ...) -> None: ...


class Proxies(Protocol):
    """The toxiproxy server in front of the links the faults break."""

    def disable(self, name: str) -> Any: ...

    def enable(self, name: str) -> Any: ...

    def add_toxic(self, proxy: str, kind: str, *, stream: str = ..., toxicity: float = ...,
                  attributes: dict[str, Any] | None = None, name: str | None = None) -> str: ...

    def remove_toxic(self, proxy: str, name: str) -> None: ...

    def problems(self) -> list[str]: ...

    def heal(self) -> list[str]: ...


class Server(Protocol):
    """The embedded Temporal server process (only it can be killed or reconfigured)."""

    # Dynamic config the server is (re)started with: the rate_limit fault changes it.
    dynamic_config: dict[str, str]

    @property
    def address(self) -> str: ...

    @property
    def pid(self) -> int | None: ...

    def kill(self) -> int | None: ...

    def stop(self, grace: float = ...) -> int | None: ...

    async def start(self, timeout: float = ...) -> None: ...


class Cluster(Protocol):
    """The cluster stack's parts the cluster faults kill and restart."""

    @property
    def history_hosts(self) -> list[str]: ...

    def kill_host(self, name: str) -> int | None: ...

    def stop_host(self, name: str, grace: float = ...) -> int | None: ...

    async def start_host(self, name: str, timeout: float = ...) -> int | None: ...

    def stop_database(self) -> int | None: ...

    async def start_database(self, timeout: float = ...) -> None: ...

    @property
    def database_pid(self) -> int | None: ...


class FaultTargets(Protocol):
    """The parts of the stack faults act on; None where the stack has no such part."""

    @property
    def toxiproxy(self) -> Proxies | None: ...

    @property
    def temporal(self) -> Server | None: ...

    @property
    def services_url(self) -> str:
        """The reference services' own address (their admin endpoints degrade them)."""
        ...

    @property
    def cluster(self) -> Cluster | None:
        """The harness's own cluster stack (None on the dev server or an external one)."""
        ...


class FaultContext(Protocol):
    """Everything a fault or the nemesis reads or acts on during a run."""

    @property
    def seed(self) -> int: ...

    @property
    def run_id(self) -> str: ...

    @property
    def run(self) -> RunFolder: ...

    @property
    def journal(self) -> Journal: ...

    @property
    def stack(self) -> FaultTargets: ...

    @property
    def supervisor(self) -> Workers: ...

    @property
    def client(self) -> Client: ...

    @property
    def client_faults(self) -> ClientFaults: ...

    @property
    def started_ids(self) -> list[str]: ...

    @property
    def driving_started(self) -> float: ...
