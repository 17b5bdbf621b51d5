"""The benchmark's measurements, one function per pair of things compared.

Every throughput is work done / (first start -> last result) as the client saw it, the
same definition on both sides of each ratio; process start-up is never inside the window.
"""

from __future__ import annotations

import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client

from harness.bench.bare import BenchWorker, bare_throughput, minimal_fanout
from harness.bench.checks_probe import REPLAYS, folder_mb
from harness.bench.synthetic import write_synthetic_run
from harness.errors import StackError
from harness.load.journals import LoadJournals
from harness.load.locust_run import run_locust
from harness.load.locust_stats import summarize
from harness.load.options import LoadOptions
from harness.load.plan import LoadPlan, LoadTarget
from harness.load.run_figures import run_figures
from harness.load.sweep import FANOUT_TUNING, SweepPoint, scale_scenario
from harness.runner import run_scenario
from harness.stack.connection import TemporalConnection
from harness.stack.processes import OwnedProcess
from harness.stack.stack import Stack
from harness.stack.temporal_server import TemporalDevServer


async def locust_throughput(conn: TemporalConnection, queue: str, run_id: str, folder: Path,
                            *, users: int, duration: float) -> dict[str, Any]:
    """The `harness load` path on the baseline workflow: Locust, bridge, journal, events."""
    plan = LoadPlan(run_id=run_id, seed=0, task_queue=queue, temporal=conn.to_json(),
                    journal_dir=str(folder), users=users, duration=duration,
                    targets=[LoadTarget(name="bench_noop", label="noop",
                                        drive="harness.bench.noop_drive:drive")])
    # All users within a fraction of a second: the bare client has no ramp either, and a
    # one-second ramp alone costs about 5% of a 10 s window.
    options = LoadOptions(users=users, spawn_rate=float(min(100, users * 10)),
                          duration=duration, stop_timeout=30.0, metrics=False).validate()
    result = await run_locust(plan, options, folder)
    journals = LoadJournals(folder)
    journals.poll()
    starts = [e["t"] for _, e in journals.entries
              if e.get("op") == "start" and e.get("type") == "invoke"]
    oks = [e["t"] for _, e in journals.entries
           if e.get("op") == "result" and e.get("type") == "ok"]
    if not starts or not oks:
        raise StackError(f"the Locust benchmark completed no workflow; see {folder}")
    seconds = max(oks) - min(starts)
    agg = summarize(folder)["aggregated"]
    return {"workflows": len(oks), "seconds": round(seconds, 3),
            "workflows_per_s": round(len(oks) / seconds, 2), "locust_requests": agg["requests"],
            "locust_failures": agg["failures"], "locust_rps": agg.get("rps"),
            "exit_codes": result.exit_codes}


async def reference_fanout(stack: Stack, runs_dir: Path, *, parents: int, children: int,
                           activities: int) -> dict[str, Any]:
    """The harness's own fan-out workload (use_ledger false) through run_scenario."""
    scenario = scale_scenario(SweepPoint(children, activities, 1), parents, deadline=900)
    outcome = await run_scenario(scenario, stack, runs_dir, seed=1)
    figures = run_figures(outcome.run)
    total = parents * children * activities
    if figures["activities_completed"] != total or outcome.results["status"] != "pass":
        raise StackError(f"reference fan-out {parents}x{children}x{activities} did not complete "
                         f"({figures['activities_completed']}/{total}); see {outcome.run.path}")
    return {"parents": parents, "children": children, "activities": activities,
            "activities_total": total, "seconds": figures["makespan_s"],
            "activities_per_s": figures["activities_per_s"], "run_dir": str(outcome.run.path)}


async def fanout_via(conn: TemporalConnection, client: Client, folder: Path, name: str,
                     parents: int, children: int, activities: int) -> dict[str, Any]:
    """The minimal fan-out with its own fresh worker connected through `conn` (a fresh
    process per measurement, as the reference fan-out gets fresh workers per run), tuned as
    the reference fan-out's workers are."""
    queue = f"bench-{name}-{int(time.time() * 1000)}"
    worker = await BenchWorker(conn, queue, folder, name, FANOUT_TUNING).start()
    try:
        return await minimal_fanout(client, queue, f"{queue}/fanout", parents, children,
                                    activities)
    finally:
        await asyncio.to_thread(worker.stop)


async def db_throughput(folder: Path, pragmas: tuple[str, ...], *, concurrency: int,
                        duration: float) -> dict[str, Any]:
    """A fresh embedded server with these SQLite pragmas, the baseline worker and client."""
    server = TemporalDevServer(folder, pragmas=pragmas)
    await server.start()
    try:
        worker = await BenchWorker(server.connection, "bench-db", folder, "worker").start()
        try:
            client = await server.connection.connect()
            figures = await bare_throughput(client, "bench-db", f"db-{folder.name}",
                                            concurrency=concurrency, duration=duration)
        finally:
            await asyncio.to_thread(worker.stop)
    finally:
        await asyncio.to_thread(server.stop, 5.0)
    return {**figures, "pragmas": list(pragmas)}




async def synthetic_cost(folder: Path, children: int, activities: int) -> dict[str, Any]:
    """Write a synthetic children x activities fan-out run folder (the collection format),
    then every applicable check over it in a fresh process: seconds, peak RSS, folder size.

    The synthetic run is scratch, made and removed here: left in the bench folder it would
    pass for a real run in the user's reports (and in their trend).
    """
    out = folder / "checks-probe.json"
    with tempfile.TemporaryDirectory(prefix="harness-bench-") as scratch:
        run_dir = Path(scratch) / "synthetic-run"
        started = time.perf_counter()
        await asyncio.to_thread(write_synthetic_run, run_dir, children, activities)
        write_seconds = time.perf_counter() - started
        size_mb = folder_mb(run_dir)
        proc = OwnedProcess("checks-probe", [sys.executable, "-m",
                                             "harness.bench.checks_probe", str(run_dir),
                                             str(out)],
                            log_path=folder / "checks-probe.log")
        proc.start()
        code = await asyncio.to_thread(proc.wait, 900)
        if code is None:
            await asyncio.to_thread(proc.kill)
    if code != 0 or not out.exists():
        raise StackError(f"the checks probe failed (exit {code}); see {proc.log_path}")
    result = json.loads(out.read_text(encoding="utf-8"))
    return {"children": children, "activities": activities,
            "activities_total": children * activities, "write_seconds": round(write_seconds, 1),
            "checks_seconds": result["seconds"], "checks_cpu_seconds": result["cpu_seconds"],
            "rss_mb": result["rss_mb"],
            "run_folder_mb": size_mb, "checks": result["checks"],
            "excluded": {name: "replays workflow code (the SDK's replayer, not the harness)"
                         for name in REPLAYS},
            "verdicts": result["verdicts"], "per_check_seconds": result["per_check_seconds"]}
