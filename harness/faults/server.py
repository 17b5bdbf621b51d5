"""Server faults: SIGKILL the Temporal server and restart it on the same DB and ports.

On the dev server that is its one process; on the harness's cluster stack every service
process at once (PostgreSQL stays up), restarted together: the membership table still lists
the killed processes, and a frontend started alone would spend ringpop's 30 s join limit
trying to reach them before it serves. Against an external cluster the harness does not own
the processes, so the fault is refused before the run starts (skipped in a suite).
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
    """SIGKILL the Temporal server the harness owns; restart it after `down_for` on the
    same database."""

    type: Literal["server_restart"] = "server_restart"
    down_for: Duration = 1.0

    def preflight(self, stack: Stack) -> None:
        if not stack.embedded:
            raise UnavailableOnStack(
                "fault server_restart is unavailable against an external cluster "
                f"({stack.options.temporal_address}): the harness can only kill a "
                "server it owns (the dev server, or its cluster stack with --cluster)")


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
