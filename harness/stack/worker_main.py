"""A worker process: `python -m harness.stack.worker_main CONFIG.json`.

Runs in its own process (never in one that imported locust: docs/temporal-facts.md) so the
supervisor can SIGKILL it like a real crash. SIGTERM shuts down gracefully: the
in-flight activities get `graceful_shutdown` seconds to finish.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from datetime import timedelta
from pathlib import Path

from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker

from harness.services.client import ServicesClient
from harness.stack.worker_config import WorkerConfig
from harness.workloads.base import make_activities
from harness.workloads.registry import get_workload, register_apps

READY_DELAY = 0.3  # the worker validates and starts polling within this on a quiet machine


def build_worker(config: WorkerConfig, client, services: ServicesClient) -> Worker:  # type: ignore[no-untyped-def]
    workflows: list[type] = []
    activities: list = []
    register_apps(config.apps)
    for name, version in sorted(config.workloads.items()):
        workload = get_workload(name)
        workflows.extend(workload.versions[version])
        params = workload.params_model(**config.params.get(name, {}))
        activities.extend(make_activities(workload, services, version, params))
    opts = config.options
    # Always on: the activity event log is evidence even in runs without faults.
    from harness.faults.interceptor import build_interceptors

    interceptors = build_interceptors(config)
    return Worker(
        client,
        task_queue=config.task_queue,
        workflows=workflows,
        activities=activities,
        identity=config.identity,
        interceptors=interceptors,
        max_concurrent_activities=opts.max_concurrent_activities,
        max_concurrent_workflow_tasks=opts.max_concurrent_workflow_tasks,
        max_cached_workflows=opts.max_cached_workflows,
        sticky_queue_schedule_to_start_timeout=timedelta(seconds=opts.sticky_queue_timeout),
        graceful_shutdown_timeout=timedelta(seconds=opts.graceful_shutdown),
        max_heartbeat_throttle_interval=timedelta(seconds=opts.heartbeat_throttle),
        default_heartbeat_throttle_interval=timedelta(seconds=opts.heartbeat_throttle),
    )


# A worker (re)started while the server restarts (a server fault, a rate-limit switch) keeps
# trying, as a supervised deployment would, instead of exiting on the first refused connect;
# below the supervisor's 30 s wait for ready.
CONNECT_PATIENCE = 20.0


async def connect_patiently(config: WorkerConfig) -> Client:
    deadline = time.monotonic() + CONNECT_PATIENCE
    while True:
        try:
            return await config.temporal.connect(identity=config.identity)
        except RuntimeError as err:  # the SDK's "Failed client connect: ..."
            if time.monotonic() >= deadline:
                raise
            print(f"worker {config.identity}: server not reachable yet ({err}); retrying",
                  flush=True)
            await asyncio.sleep(0.5)


async def serve(config: WorkerConfig) -> int:
    if config.metrics_port:
        runtime = Runtime(telemetry=TelemetryConfig(
            metrics=PrometheusConfig(bind_address=f"127.0.0.1:{config.metrics_port}")))
        Runtime.set_default(runtime, error_if_already_set=False)
    client = await connect_patiently(config)
    services = ServicesClient(config.services_url)
    worker = build_worker(config, client, services)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    run_task = asyncio.create_task(worker.run())
    stopped = asyncio.create_task(stop.wait())
    done, _ = await asyncio.wait({run_task, stopped}, timeout=READY_DELAY,
                                 return_when=asyncio.FIRST_COMPLETED)
    if run_task in done:
        run_task.result()  # raises the startup error
        return 1
    Path(config.ready_file).write_text(json.dumps({"pid": os.getpid(), "t": time.time()}))
    print(f"worker {config.identity}: ready on {config.task_queue}", flush=True)
    await asyncio.wait({run_task, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if not run_task.done():
        print(f"worker {config.identity}: shutting down gracefully", flush=True)
        await worker.shutdown()
    await run_task
    await services.close()
    return 0


def main() -> None:
    config = WorkerConfig.read(Path(sys.argv[1]))
    code = 1
    try:
        code = asyncio.run(serve(config))
    except Exception as err:  # noqa: BLE001 - reported in the worker log
        print(f"worker {config.identity}: fatal: {err!r}", flush=True)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # The SDK can abort at interpreter exit after all work succeeded
        # (docs/temporal-facts.md).
        os._exit(code)


if __name__ == "__main__":
    main()
