"""The baseline worker: `python -m harness.bench.noop_worker ADDRESS NAMESPACE QUEUE READY`.

Plain temporalio with SDK defaults, in its own process like the harness's workers, so the
comparison is process for process. Writes READY once polling; exits through os._exit
(the SDK can abort at interpreter exit, notes).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from temporalio.client import Client
from temporalio.worker import Worker

from harness.bench.noop_workflows import ACTIVITIES, WORKFLOWS


async def serve(address: str, namespace: str, queue: str, ready: Path) -> None:
    client = await Client.connect(address, namespace=namespace)
    worker = Worker(client, task_queue=queue, workflows=WORKFLOWS, activities=ACTIVITIES)
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
        asyncio.run(serve(sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])))
    except Exception as err:  # noqa: BLE001 - reported in the log
        print(f"bench worker: fatal: {err!r}", flush=True)
        code = 1
    finally:
        sys.stdout.flush()
        os._exit(code)


if __name__ == "__main__":
    main()
