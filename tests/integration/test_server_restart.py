"""SIGKILL the embedded Temporal server, restart it on the same DB and port: work completes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from harness.checks.verdict import Status
from harness.runner import Progress, run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack

pytestmark = pytest.mark.integration

SCENARIO = """
name: server-restart
deadline: 2m
workloads:
  - name: approval
    count: 3
    params: {approve: 0, reject: 0, never: 1, timeout: 4s}
"""


def test_waiting_workflows_survive_server_sigkill(stack: Stack, tmp_path: Path) -> None:
    server = stack.temporal
    assert server is not None
    scenario = parse_scenario(SCENARIO, "<test>")

    progress = Progress()

    async def crash_and_restart() -> tuple[int, int]:
        # Kill only once every workflow was started (they then wait on their 4 s escalation
        # timers); a fixed sleep raced the workers' start-up on a busy machine.
        deadline = asyncio.get_running_loop().time() + 60
        while progress.started < 3:
            assert asyncio.get_running_loop().time() < deadline, "workflows never started"
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # let the first workflow tasks schedule their timers
        old_pid = server.process.pid  # type: ignore[union-attr]
        port = server.port
        server.kill()
        assert not server.alive()
        await asyncio.sleep(1.0)
        await server.start()
        assert server.port == port
        return old_pid, server.process.pid  # type: ignore[union-attr]

    async def main():  # type: ignore[no-untyped-def]
        return await asyncio.gather(run_scenario(scenario, stack, tmp_path / "out",
                                                 progress=progress),
                                    crash_and_restart())

    outcome, (old_pid, new_pid) = asyncio.run(main())
    assert old_pid != new_pid
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    results = [w["result"] for w in outcome.run.workflows]
    assert [r["outcome"] for r in results] == ["escalated"] * 3
    assert all(r["waited"] >= 4.0 for r in results)
