"""Server faults: SIGKILL the embedded Temporal dev server and restart it on the same DB and port.

Only the dev server the harness owns can be killed this way. Against an external cluster the
harness does not own the process; on the harness's own cluster stack, restarting every service
at once left workflows stuck with a scheduled workflow task until the deadline when it was
tried, so the fault is refused there too (before the run starts; skipped in a suite) until that
is understood. The cluster's own faults (`history_kill`, `service_restart`, `db_restart`)
restart one part at a time.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Literal

from harness.durations import Duration
from harness.errors import UnavailableOnStack
from harness.faults.base import Fault, FaultSpec

if TYPE_CHECKING:
    from harness.faults.context import FaultContext
    from harness.stack.stack import Stack


class ServerRestart(FaultSpec):
    """SIGKILL the embedded Temporal server; restart it after `down_for` on the same DB."""

    type: Literal["server_restart"] = "server_restart"
    down_for: Duration = 1.0

    def preflight(self, stack: Stack) -> None:
        if not stack.embedded:
            raise UnavailableOnStack(
                "fault server_restart is unavailable against an external cluster "
                f"({stack.options.temporal_address}): the harness can only kill a "
                "dev server it owns")
        if stack.kind == "cluster":
            raise UnavailableOnStack(
                "fault server_restart is unavailable on the cluster stack: use history_kill, "
                "service_restart or db_restart, which restart one part of the cluster")


class ServerRestartFault(Fault):
    spec: ServerRestart

    def __init__(self, fault_id: str, spec: ServerRestart) -> None:
        super().__init__(fault_id, spec, target="temporal")
        self.down = False

    async def inject(self, ctx: FaultContext) -> dict[str, Any]:
        server = ctx.stack.temporal
        assert server is not None
        pid = server.pid
        server.kill()
        self.down = True
        return {"target": "temporal", "pid": pid, "address": server.address}

    async def heal(self, ctx: FaultContext) -> dict[str, Any]:
        server = ctx.stack.temporal
        if not self.down or server is None:
            return {}
        await asyncio.sleep(self.spec.down_for)
        await server.start()
        self.down = False
        return {"pid": server.pid}
