"""What is sampled while a run drives: the task-queue backlog and the workers' CPU and memory.

Started beside the drivers and the nemesis, stopped when the drivers are done; what was
sampled is in the run folder (backlog.jsonl, workers/resources.json) for the figures.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

from harness.load.resources import ResourceSampler
from harness.runfolder import RunFolder
from harness.stack.connection import TemporalConnection
from harness.watch.backlog import BACKLOG_FILE, BacklogSampler
from harness.watch.figures import RESOURCES_FILE


@contextlib.asynccontextmanager
async def watching(run: RunFolder, connection: TemporalConnection, task_queue: str,
                   worker_pids: Callable[[], list[int]]) -> AsyncIterator[None]:
    # Its own client, without the run client's patient retries: a sample that cannot be
    # taken now is recorded as such, not taken late.
    client = await connection.connect(lazy=True)
    backlog = BacklogSampler(client, connection.namespace, task_queue, run.path / BACKLOG_FILE)
    resources = ResourceSampler({"workers": worker_pids}, interval=0.5)
    tasks = [asyncio.create_task(backlog.run()), asyncio.create_task(resources.run())]
    try:
        yield
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        run.write_json(RESOURCES_FILE, resources.figures("workers"))
