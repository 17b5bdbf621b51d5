"""The baseline worker, plain temporalio in its own process like the harness's workers, so
the comparison is process for process:

    python -m harness.bench.noop_worker ADDRESS NAMESPACE QUEUE READY [TUNING]

TUNING is a JSON object of Worker keyword arguments (`max_concurrent_workflow_tasks`, ...),
given when the harness side is tuned the same way; otherwise the SDK's defaults. Writes
READY once polling; exits through os._exit (the SDK can abort at interpreter exit).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from harness.bench.noop_workflows import ACTIVITIES, WORKFLOWS


async def serve(address: str, namespace: str, queue: str, ready: Path,
                tuning: dict[str, int]) -> None:
    client = await Client.connect(address, namespace=namespace)
    worker = Worker(client, task_queue=queue, workflows=WORKFLOWS, activities=ACTIVITIES,
                    **tuning)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    async with worker:
        await asyncio.sleep(0.3)
        ready.write_text(str(os.getpid()))
        await stop.wait()


def main() -> None:
    code = 0
    try:
        tuning = json.loads(sys.argv[5]) if len(sys.argv) > 5 else {}
        asyncio.run(serve(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4]), tuning))
    except Exception as err:  # noqa: BLE001 - reported in the log
        print(f"bench worker: fatal: {err!r}", flush=True)
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
