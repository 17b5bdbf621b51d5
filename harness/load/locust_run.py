"""Start Locust as owned processes (one, or a master and N workers), wait, stop them.

Every Locust process is an OwnedProcess: its own process group, recorded, always gone when
the harness exits. Processes that talk to Temporal (the single process, the workers) run
with LOCUST_SKIP_MONKEY_PATCH=1, because gevent's patch breaks asyncio and gRPC
(docs/temporal-facts.md); the master never talks to Temporal and keeps the patch, which it
needs (it waits for workers with time.sleep). Locust's config files are ignored by running it
in the load folder.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from harness.load.locust_stats import CSV_PREFIX
from harness.load.options import LoadOptions
from harness.load.plan import CONFIG_ENV, PROCESS_ENV, LoadPlan
from harness.stack.ports import free_port
from harness.stack.processes import OwnedProcess

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
WORKER_GRACE = 30.0  # SIGTERM to a worker: it settles starts, cancels waits, then exits


@dataclass
class LocustRun:
    load_dir: Path
    exit_codes: dict[str, int | None] = field(default_factory=dict)
    timed_out: bool = False
    seconds: float = 0.0
    web_url: str | None = None


def common_args(options: LoadOptions, load_dir: Path) -> list[str]:
    """What the process that runs the test (single or master) gets. A shape sets users and
    time itself (Locust warns when -u/-r/-t come with one)."""
    load_dir = load_dir.absolute()
    args = [] if options.shape else ["-u", str(options.users), "-r", f"{options.rate:g}",
                                     "-t", options.locust_run_time]
    args += ["--stop-timeout", f"{max(0, round(options.stop_timeout))}",
            "--csv", str(load_dir / CSV_PREFIX), "--html", str(load_dir / "locust.html"),
            "--only-summary", "--exit-code-on-error", "0"]
    return args


def locust_processes(plan_path: Path, options: LoadOptions, load_dir: Path
                     ) -> tuple[list[OwnedProcess], str | None]:
    plan_path, load_dir = plan_path.absolute(), load_dir.absolute()
    base = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--loglevel", "INFO"]
    # Users' workloads are named by import path relative to the harness's working directory;
    # Locust runs in the load folder (so no locust.conf is picked up), so pass it along.
    env = {CONFIG_ENV: str(plan_path),
           "PYTHONPATH": os.pathsep.join(p for p in (os.getcwd(),
                                                     os.environ.get("PYTHONPATH")) if p)}
    session_env = {**env, "LOCUST_SKIP_MONKEY_PATCH": "1"}
    # Empty, not absent: the harness (or pytest) may have set it, and the master needs the
    # patch. Locust tests the variable for truth, and "" is false.
    master_env = {**env, "LOCUST_SKIP_MONKEY_PATCH": ""}
    web_url = None
    ui: list[str] = ["--headless"]
    if options.ui:
        port = options.web_port or free_port()
        web_url = f"http://127.0.0.1:{port}"
        ui = ["--web-host", "127.0.0.1", "--web-port", str(port), "--autostart",
              "--autoquit", "5"]
    test = common_args(options, load_dir) + ui
    if not options.processes:
        proc = OwnedProcess("locust", base + test, log_path=load_dir / "locust.log",
                            env={**session_env, PROCESS_ENV: "0"}, cwd=load_dir)
        return [proc], web_url
    port = options.master_port or free_port()
    master = OwnedProcess(
        "locust-master",
        base + test + ["--master", "--master-bind-host", "127.0.0.1",
                       "--master-bind-port", str(port), "--expect-workers",
                       str(options.processes + options.remote_workers),
                       "--expect-workers-max-wait", "600" if options.remote_workers else "60"],
        log_path=load_dir / "locust-master.log", env=master_env, cwd=load_dir)
    workers = [
        OwnedProcess(f"locust-worker-{i}",
                     base + ["--worker", "--master-host", "127.0.0.1", "--master-port", str(port)],
                     log_path=load_dir / f"locust-worker-{i}.log",
                     env={**session_env, PROCESS_ENV: str(i)}, cwd=load_dir)
        for i in range(1, options.processes + 1)
    ]
    return [master, *workers], web_url


async def run_locust(plan: LoadPlan, options: LoadOptions, load_dir: Path, *,
                     deadline_at: float | None = None,
                     on_poll: Callable[[], None] = lambda: None) -> LocustRun:
    """Run the load to its end (or the deadline: then SIGTERM, which Locust handles by
    stopping users and writing its CSVs). Returns when every Locust process is gone.

    Every path a Locust process gets is absolute: it runs in the load folder (so no
    locust.conf is picked up), where a path relative to our working directory is wrong."""
    load_dir = load_dir.absolute()
    load_dir.mkdir(parents=True, exist_ok=True)
    procs, web_url = locust_processes(plan.write(load_dir), options, load_dir)
    result = LocustRun(load_dir, web_url=web_url)
    started = time.monotonic()
    try:
        for proc in procs:
            proc.start()
        main, workers = procs[0], procs[1:]
        while main.alive():
            on_poll()
            if deadline_at is not None and time.time() > deadline_at:
                result.timed_out = True
                await asyncio.to_thread(main.terminate, options.stop_timeout + 15.0)
                break
            await asyncio.sleep(0.25)
        # The workers reported their final stats when their users stopped; a worker told
        # to stop then sleeps --stop-timeout before it reads the master's quit, so end them
        # here (SIGTERM: Locust's own shutdown, which closes the session and its journal).
        await asyncio.gather(*(asyncio.to_thread(w.terminate, WORKER_GRACE) for w in workers))
    finally:
        for proc in procs:
            if proc.alive():
                await asyncio.to_thread(proc.terminate, 10.0)
        on_poll()
    result.seconds = time.monotonic() - started
    result.exit_codes = {p.name: p.returncode for p in procs}
    return result
