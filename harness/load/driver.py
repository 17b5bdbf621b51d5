"""LocustDriver: the runner's Driver seam, driving a scenario's workloads with Locust.

    run_scenario(scenario, stack, out, driver=LocustDriver(options))

The nemesis runs beside it as with any driver. The driver writes the load plan into
`<run>/load/`, runs Locust (owned subprocesses, bounded by the scenario deadline), merges the
Locust processes' journals into the run journal, hands every started workflow id to
collection, waits (bounded) for the run's workflows to close so that liveness judges
finished work, scrapes the workers' SDK metrics, and writes `load/summary.json`.
The scenario's `count` of each workload is its weight in the mix; `concurrency` is unused
(users and arrival rate set the load). Client-side faults (client_retry) reach the Locust
processes through load/client_faults.json (see client_faults.py).
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from harness.errors import StackError
from harness.load.client_faults import CLIENT_FAULTS_FILE, ClientFaultsPublisher
from harness.load.journals import LoadJournals
from harness.load.locust_run import LocustRun, run_locust
from harness.load.locust_stats import summarize
from harness.load.options import LoadOptions
from harness.load.plan import LoadPlan, LoadTarget
from harness.load.sdk_metrics import scrape_live_workers
from harness.run_context import RunContext
from harness.workloads.registry import get_workload
from harness.workloads.settings import SEARCH_ATTRIBUTE


def targets_of(ctx: RunContext) -> list[LoadTarget]:
    """The scenario's workloads, labelled as the default driver labels them."""
    specs = ctx.scenario.workloads
    names = [s.name for s in specs]
    targets = []
    for i, spec in enumerate(specs):
        workload = get_workload(spec.name).name  # a user's workload may be an import path
        label = workload if names.count(spec.name) == 1 else f"{workload}.{i}"
        targets.append(LoadTarget(name=spec.name, label=label, params=dict(spec.params),
                                  weight=spec.count))
    return targets


def plan_for(ctx: RunContext, options: LoadOptions) -> LoadPlan:
    assert ctx.stack.direct is not None
    return LoadPlan(
        run_id=ctx.run_id, seed=ctx.seed, task_queue=ctx.task_queue,
        temporal=ctx.stack.direct.to_json(), journal_dir=str(ctx.run.path / "load"),
        targets=targets_of(ctx), users=options.users, arrival_rate=options.arrival_rate,
        shape=options.shape, shape_args=dict(options.shape_args), duration=options.duration)


class LocustDriver:
    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self.result: LocustRun | None = None
        self.summary: dict[str, Any] = {}

    async def __call__(self, ctx: RunContext) -> bool:
        options = self.options
        deadline_at = ctx.driving_started + ctx.scenario.deadline
        load_dir = ctx.run.path / "load"
        journals = LoadJournals(load_dir)
        load_dir.mkdir(parents=True, exist_ok=True)
        faults = ClientFaultsPublisher(load_dir / CLIENT_FAULTS_FILE)
        faults.publish(ctx.client_faults)

        def on_poll() -> None:
            faults.publish(ctx.client_faults)
            counts = journals.poll()
            ctx.progress.update(started=counts.started, completed=counts.completed,
                                failed=counts.failed)

        ctx.progress.update(phase="load", total=0)
        self.result = await run_locust(plan_for(ctx, options), options, load_dir,
                                       deadline_at=deadline_at, on_poll=on_poll)
        merged = journals.merge_into(ctx.journal)
        failed_to_run(self.result, load_dir)
        ctx.started_ids.extend(journals.started_ids())
        ctx.progress.update(phase="draining", total=len(ctx.started_ids))
        running = await drain(ctx.client, ctx.run_id, min(deadline_at, time.time() + options.drain))
        scraped: dict[str, str] = {}
        if options.metrics:
            scraped = await scrape_live_workers(ctx.run.path, ctx.supervisor)
        self.summary = {
            **summarize(load_dir), "exit_codes": self.result.exit_codes,
            "locust_seconds": round(self.result.seconds, 3), "journal_entries": merged,
            "workflows_started": len(ctx.started_ids), "still_running_after_drain": running,
            "deadline_exceeded": self.result.timed_out or (running > 0
                                                           and time.time() >= deadline_at),
            "metrics": scraped,
            "options": vars(options) | {"shape_args": dict(options.shape_args)},
        }
        if options.arrival_rate is not None:
            self.summary["arrival_rate"] = arrival_figures(
                journals.arrivals(), options.arrival_rate, options.load_seconds, options.shape)
        ctx.run.write_json("load/summary.json", self.summary)
        return bool(self.summary["deadline_exceeded"])


def arrival_figures(starts: list[float], requested: float, seconds: float,
                    shape: str | None = None) -> dict[str, Any]:
    """Open loop: the arrival rate asked for and the one achieved. `achieved_per_s` counts
    every start over the load's length; `in_window_per_s` is first to last start, which
    leaves out a late start-up. Below the request, the load generator (not the server) fell
    behind: starts are scheduled whatever the latency, so only the generator can miss them."""
    window = starts[-1] - starts[0] if len(starts) > 1 else 0.0
    achieved = len(starts) / seconds if seconds > 0 else None
    return {"requested_per_s": requested, "achieved_per_s": round(achieved, 3)
            if achieved is not None else None,
            "in_window_per_s": round((len(starts) - 1) / window, 3) if window > 0 else None,
            "achieved_ratio": round(achieved / requested, 3) if achieved and requested else None,
            "starts": len(starts), "load_seconds": seconds,
            "note": "with a shape the requested rate scales with its user count" if shape
            else None}


def failed_to_run(result: LocustRun, load_dir: Path) -> None:
    """Locust that exited with an error before recording any request is an infrastructure
    error (a locustfile that cannot import, a worker that never connected), not a quiet run
    with nothing to judge."""
    main, code = next(iter(result.exit_codes.items()), ("locust", None))
    if code not in (0, None) and not summarize(load_dir)["aggregated"]["requests"]:
        raise StackError(f"{main} exited with code {code} before any request; "
                         f"see {load_dir / (main + '.log')}")


async def drain(client: Any, run_id: str, until: float) -> int:
    """Wait until no workflow of the run is running (or `until`); how many still run."""
    query = f"{SEARCH_ATTRIBUTE} = '{run_id}' AND ExecutionStatus = 'Running'"
    running = 0
    while True:
        running = (await client.count_workflows(query)).count
        if running == 0 or time.time() >= until:
            return running
        await asyncio.sleep(0.5)
