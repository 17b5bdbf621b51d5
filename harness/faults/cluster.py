"""Cluster faults: aimed at the Temporal cluster stack's own processes and its database.

    history_kill     SIGKILL one history host; its shards move to the other hosts (about
                     5 s: the membership ring notices), and back if it is restarted
    service_restart  stop (SIGTERM, or SIGKILL) the frontend or matching and start it again
    db_restart       PostgreSQL stopped (fast shutdown) and started again after `down_for`

Only the harness's own cluster stack has these parts; elsewhere the fault is unavailable
(a scenario needing it is skipped in a suite). Each fault's kill is its inject and its
restart its heal, so the nemesis restarts whatever is down on every exit path.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field

from harness.durations import Duration
from harness.errors import UnavailableOnStack, UsageError
from harness.faults.base import Fault, FaultSpec

# The families that need the harness's own cluster stack (the dev server has no such parts).
CLUSTER_FAULTS = frozenset({"history_kill", "service_restart", "db_restart"})

if TYPE_CHECKING:
    from harness.faults.context import Cluster, FaultContext
    from harness.stack.stack import Stack


def require_cluster(stack: Stack, fault: str) -> None:
    if stack.kind != "cluster":
        raise UnavailableOnStack(
            f"fault {fault} needs the harness's cluster stack (run with --cluster, or "
            f"`stack: cluster` in the scenario); this stack is the {stack.kind} one")


def cluster_of(ctx: FaultContext) -> Cluster:
    cluster = ctx.stack.cluster
    if cluster is None:
        raise RuntimeError("cluster fault fired without a cluster stack")
    return cluster


class ClusterFault(Fault):
    """A kill now and a restart later. The part stays marked down until the restart is done,
    so a heal cut short (the run ended while it waited) is finished by the nemesis' final
    heal, which waits only what is left of the delay."""

    _restart_at: float | None = None

    async def wait_out(self, delay: float) -> None:
        loop = asyncio.get_running_loop()
        if self._restart_at is None:
            self._restart_at = loop.time() + delay
        await asyncio.sleep(max(0.0, self._restart_at - loop.time()))
        self._restart_at = None


class HistoryKill(FaultSpec):
    """SIGKILL one history host of the cluster stack; restart it after `restart_after`."""

    type: Literal["history_kill"] = "history_kill"
    host: int | None = Field(default=None, ge=1)  # 1..N; None: the seeded choice
    restart_after: Duration | None = None  # None: it stays down until the run ends

    def preflight(self, stack: Stack) -> None:
        require_cluster(stack, "history_kill")
        hosts = stack.options.history_hosts
        if hosts < 2:
            raise UsageError("fault history_kill needs at least 2 history hosts (the shards "
                             "of the killed one move to another); use --history-hosts 2")
        if self.host is not None and self.host > hosts:
            raise UsageError(f"fault history_kill: host {self.host} does not exist "
                             f"(the cluster has {hosts} history hosts)")


class HistoryKillFault(ClusterFault):
    spec: HistoryKill

    def __init__(self, fault_id: str, spec: HistoryKill, choice: float) -> None:
        super().__init__(fault_id, spec)
        self.choice = choice
        self.killed = ""

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        cluster = cluster_of(ctx)
        hosts = cluster.history_hosts
        index = self.spec.host or 1 + min(int(self.choice * len(hosts)), len(hosts) - 1)
        self.killed = self.target = hosts[index - 1]
        pid = await asyncio.to_thread(cluster.kill_host, self.killed)
        return {"target": self.killed, "pid": pid}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        if not self.killed:
            return {}
        await self.wait_out(self.spec.restart_after or 0.0)
        pid = await cluster_of(ctx).start_host(self.killed)
        host, self.killed = self.killed, ""
        return {"target": host, "pid": pid}


class ServiceRestart(FaultSpec):
    """Stop the cluster's frontend or matching (SIGTERM, or SIGKILL) and start it again."""

    type: Literal["service_restart"] = "service_restart"
    service: Literal["frontend", "matching"]
    signal: Literal["SIGTERM", "SIGKILL"] = "SIGTERM"
    down_for: Duration = 1.0

    def preflight(self, stack: Stack) -> None:
        require_cluster(stack, "service_restart")


class ServiceRestartFault(ClusterFault):
    spec: ServiceRestart

    def __init__(self, fault_id: str, spec: ServiceRestart) -> None:
        super().__init__(fault_id, spec, target=spec.service)
        self.down = False

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        cluster = cluster_of(ctx)
        stop = cluster.kill_host if self.spec.signal == "SIGKILL" else cluster.stop_host
        pid = await asyncio.to_thread(stop, self.spec.service)
        self.down = True
        return {"target": self.spec.service, "pid": pid, "signal": self.spec.signal}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        if not self.down:
            return {}
        await self.wait_out(self.spec.down_for)
        pid = await cluster_of(ctx).start_host(self.spec.service)
        self.down = False
        return {"target": self.spec.service, "pid": pid}


class DbRestart(FaultSpec):
    """Stop the cluster's PostgreSQL (fast shutdown) and start it after `down_for`."""

    type: Literal["db_restart"] = "db_restart"
    down_for: Duration = 5.0

    def preflight(self, stack: Stack) -> None:
        require_cluster(stack, "db_restart")


class DbRestartFault(ClusterFault):
    spec: DbRestart

    def __init__(self, fault_id: str, spec: DbRestart) -> None:
        super().__init__(fault_id, spec, target="database")
        self.down = False

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        pid = await asyncio.to_thread(cluster_of(ctx).stop_database)
        self.down = True
        return {"target": "database", "pid": pid}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        if not self.down:
            return {}
        await self.wait_out(self.spec.down_for)
        cluster = cluster_of(ctx)
        await cluster.start_database()
        self.down = False
        return {"target": "database", "pid": cluster.database_pid}
