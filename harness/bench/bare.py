"""The bare SDK baseline: a minimal worker process and a minimal asyncio client.

No journal, no DriveContext, no Locust: `client.start_workflow` + `handle.result()` in a few
coroutines. The run-id search attribute and task timeout are set as the harness sets them,
so both paths ask the server for exactly the same work.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes

from harness.bench.noop_workflows import FANOUT_WORKFLOW, NOOP_WORKFLOW
from harness.errors import StackError
from harness.stack.connection import TemporalConnection
from harness.stack.processes import OwnedProcess
from harness.workloads.base import RUN_ID_KEY
from harness.workloads.settings import WORKFLOW_TASK_TIMEOUT


class BenchWorker:
    """The baseline worker as an owned process."""

    def __init__(self, conn: TemporalConnection, queue: str, folder: Path, name: str,
                 tuning: dict[str, int] | None = None) -> None:
        self.ready = folder.absolute() / f"{name}.ready"
        self.process = OwnedProcess(
            name, [sys.executable, "-m", "harness.bench.noop_worker", conn.address,
                   conn.namespace, queue, str(self.ready), json.dumps(tuning or {})],
            log_path=folder / f"{name}.log")

    async def start(self, timeout: float = 30.0) -> BenchWorker:
        self.ready.parent.mkdir(parents=True, exist_ok=True)
        self.ready.unlink(missing_ok=True)
        self.process.start()
        deadline = time.monotonic() + timeout
        while not self.ready.exists():
            if not self.process.alive() or time.monotonic() > deadline:
                raise StackError(f"bench worker did not start; see {self.process.log_path}")
            await asyncio.sleep(0.05)
        return self

    def stop(self) -> None:
        self.process.terminate(5.0)


async def bare_throughput(client: Client, queue: str, run_id: str, *, concurrency: int,
                          duration: float) -> dict[str, Any]:
    """Closed loop: `concurrency` coroutines run one no-op workflow after another."""
    attrs = TypedSearchAttributes([SearchAttributePair(RUN_ID_KEY, run_id)])
    counter = itertools.count()
    done: list[float] = []
    started = time.time()
    end = time.monotonic() + duration

    async def loop() -> None:
        while time.monotonic() < end:
            i = next(counter)
            handle = await client.start_workflow(
                NOOP_WORKFLOW, i, id=f"{run_id}/bare-{i}", task_queue=queue,
                search_attributes=attrs, task_timeout=WORKFLOW_TASK_TIMEOUT)
            await handle.result()
            done.append(time.time())

    await asyncio.gather(*(loop() for _ in range(concurrency)))
    seconds = max(done) - started if done else 0.0
    return {"workflows": len(done), "seconds": round(seconds, 3),
            "workflows_per_s": round(len(done) / seconds, 2) if seconds else 0.0}


async def minimal_fanout(client: Client, queue: str, workflow_id: str, parents: int,
                         children: int, activities: int) -> dict[str, Any]:
    """`parents` plain-SDK fan-outs at once; activities/s over first start to last result."""
    started = time.time()
    await asyncio.gather(*(
        client.execute_workflow(FANOUT_WORKFLOW, args=[children, activities],
                                id=f"{workflow_id}-{p}", task_queue=queue)
        for p in range(parents)))
    seconds = time.time() - started
    total = parents * children * activities
    return {"parents": parents, "children": children, "activities": activities,
            "activities_total": total, "seconds": round(seconds, 3),
            "activities_per_s": round(total / seconds, 2)}
