"""One scenario run, start to verdict: workers up, drive the workloads, collect, judge.

    run folder ─► workers ─► drivers + nemesis (harness/drive.py) ─► collect ─► judge ─► report

The stack is passed in, so several scenarios (a suite, a pytest session) share one.
Everything the run started is stopped in `finally`, whatever happened.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.attempt_log import compress_logs
from harness.checks.verdict import Verdict, merge_verdicts
from harness.collect import collect, collect_ledger
from harness.drive import RunDriver, drive_all, drive_with_nemesis
from harness.environment import environment
from harness.faults.nemesis import Nemesis
from harness.journal import Journal
from harness.judge import judge, write_results
from harness.probes import ProbeContext, named_probes, run_probes
from harness.report import write_reports
from harness.run_context import Progress, RunContext, task_queue
from harness.runfolder import RunFolder
from harness.scenario import Scenario
from harness.stack.stack import Stack
from harness.stack.supervisor import WorkerSupervisor
from harness.stack.worker_config import WorkerConfig, WorkerTuning
from harness.watch.live import watching
from harness.workloads.registry import register_apps


@dataclass
class RunOutcome:
    run: RunFolder
    verdicts: list[Verdict]
    results: dict[str, Any]

    @property
    def exit_code(self) -> int:
        return int(self.results["exit_code"])


def new_run_folder(out_dir: Path, scenario_name: str) -> tuple[str, RunFolder]:
    """A fresh folder and run id. The id prefixes every workflow id, and clusters are shared
    (two runs of one scenario in the same second, a teammate's nightly): a random suffix
    keeps ids apart; reproducibility comes from the seed, not from the id."""
    import secrets

    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    for _ in range(1000):
        run_id = f"{scenario_name}-{stamp}-{secrets.token_hex(2)}"
        path = out_dir / run_id
        try:
            path.mkdir(parents=True)
        except FileExistsError:
            continue
        return run_id, RunFolder(path)
    raise RuntimeError(f"cannot create a run folder in {out_dir}")


def choose_seed(scenario: Scenario, override: int | None) -> int:
    if override is not None:
        return override
    if scenario.seed is not None:
        return scenario.seed
    return random.SystemRandom().randrange(2**31)


async def run_scenario(scenario: Scenario, stack: Stack, out_dir: Path, *,
                       seed: int | None = None, progress: Progress | None = None,
                       driver: RunDriver | None = None, worker_metrics: bool = False
                       ) -> RunOutcome:
    """Run one scenario on a live stack; `driver` replaces the default (e.g. Locust)."""
    progress = progress or Progress()
    seed = choose_seed(scenario, seed)
    # Two scenarios may name different apps under one name: this run's are the ones in force.
    register_apps(app_specs(scenario))
    nemesis = Nemesis(scenario, seed)
    nemesis.preflight(stack)  # a fault the stack cannot do is bad input: nothing started
    run_id, run = new_run_folder(out_dir, scenario.name)
    nemesis.write_plan(run.path)
    (run.path / "scenario.yaml").write_text(scenario.dump_yaml(), encoding="utf-8")
    run.write_json("meta.json", {
        "run_id": run_id, "scenario": scenario.name, "seed": seed,
        "started_at": datetime.now(UTC).isoformat(), "stack": stack.addresses(),
        "environment": environment(stack),
    })
    journal = Journal(run.journal_path)
    journal.record("run", type="start", run_id=run_id, seed=seed, scenario=scenario.name)
    config = worker_config(scenario, stack, run_id, seed)
    config.faults = nemesis.worker_faults()
    if worker_metrics:
        config.metrics_port = 0  # the supervisor assigns a free port per incarnation
    supervisor = WorkerSupervisor(run.path, journal, config, scenario.workers.count)
    try:
        progress.update(phase="workers")
        await supervisor.start_all()
        assert stack.direct is not None
        client = await stack.direct.connect(patient=True)
        ctx = RunContext(scenario, stack, run, run_id, seed, journal, supervisor, client,
                         progress)
        progress.update(phase="driving", total=sum(w.count for w in scenario.workloads))
        crash_point("driving")
        async with watching(run, stack.direct, ctx.task_queue,  # type: ignore[arg-type]
                            supervisor.pids):
            timed_out = await drive_with_nemesis(ctx, driver or drive_all, nemesis)
        journal.record("run", type="driven", deadline_exceeded=timed_out)
        progress.update(phase="collecting")
        records = await collect(
            client, run, run_id, ctx.started_ids, stack.services_url,
            on_progress=lambda done, total: progress.update(
                phase=f"collecting {done}/{total} histories"))
        await terminate_leftovers(ctx, records)
        # While the user's systems are still up: their own record of what took effect.
        await run_probes(run, named_probes((c.name, c.options) for c in scenario.checks),
                         ProbeContext(run_id, {w.name: w.params for w in scenario.workloads}))
    finally:
        supervisor.stop_all()
        compress_logs(run.workers_dir)  # the workers are gone: their attempt logs are final
        journal.record("run", type="end")
        journal.close()
    await collect_ledger(run, run_id, stack.services_url)
    progress.update(phase="judging")
    # Judging (history parsing, replays) and the report (plots) take seconds of CPU: off the
    # event loop, so runs sharing it (selftest drives three at once) keep their nemesis and
    # drivers on time. On the loop, an event-triggered deploy fired 2.5 s late, after the
    # workflows it had to reach had finished.
    verdicts = await asyncio.to_thread(judge, run, [(c.name, c.options) for c in scenario.checks])
    meta = dict(run.meta)
    meta["finished_at"] = datetime.now(UTC).isoformat()
    run.write_json("meta.json", meta)
    results = write_results(run, verdicts)
    progress.update(phase="reporting")
    await asyncio.to_thread(write_reports, run.path)
    progress.update(phase=str(merge_verdicts(verdicts)))
    return RunOutcome(run, verdicts, results)


async def terminate_leftovers(ctx: RunContext, records: list[dict[str, Any]]) -> None:
    """Workflows still running after collection (stragglers, stuck drills) are terminated,
    so a shared cluster does not keep retrying them after the run; the evidence was kept."""
    running = [r for r in records if r["status"] == "RUNNING"]
    for record in running:
        with contextlib.suppress(Exception):
            handle = ctx.client.get_workflow_handle(record["workflow_id"], run_id=record["run_id"])
            await handle.terminate(reason=f"harness: run {ctx.run_id} ended")
    if running:
        ctx.journal.record("run", type="terminated", workflow_ids=[r["workflow_id"]
                                                                   for r in running])


def crash_point(phase: str) -> None:
    """A seam for hygiene tests: HARNESS_CRASH_AT=<phase> raises here, mid-run."""
    if os.environ.get("HARNESS_CRASH_AT") == phase:
        raise RuntimeError(f"HARNESS_CRASH_AT={phase}: deliberate crash for a hygiene test")


def app_specs(scenario: Scenario) -> dict[str, dict[str, Any]]:
    """The users' apps the scenario names by import path, by workload name."""
    return {w.name: w.app.model_dump(mode="json") for w in scenario.workloads if w.app}


def worker_config(scenario: Scenario, stack: Stack, run_id: str, seed: int) -> WorkerConfig:
    assert stack.worker_connection is not None
    versions = {w.name: w.version for w in scenario.workloads}
    versions.update(scenario.workers.version or {})
    apps = app_specs(scenario)
    params: dict[str, dict[str, Any]] = {}
    for w in scenario.workloads:
        params.setdefault(w.name, w.params)
    opts = scenario.workers.options
    return WorkerConfig(
        identity="worker", temporal=stack.worker_connection, task_queue=task_queue(run_id),
        workloads=versions, services_url=stack.activities_services_url, ready_file="",
        options=WorkerTuning(
            max_concurrent_activities=opts.max_concurrent_activities,
            max_concurrent_workflow_tasks=opts.max_concurrent_workflow_tasks,
            max_cached_workflows=opts.max_cached_workflows,
            sticky_queue_timeout=opts.sticky_queue_timeout,
            graceful_shutdown=opts.graceful_shutdown,
        ),
        seed=seed, apps=apps, params=params,
    )
