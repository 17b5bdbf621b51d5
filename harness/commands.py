"""The CLI's commands, kept apart from argument parsing so tests can call them."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.table import Table

from harness.checks.verdict import Status, Verdict
from harness.durations import format_duration
from harness.errors import EXIT_PASS, UsageError
from harness.judge import exit_code, judge, overall, write_results
from harness.runfolder import RunFolder
from harness.runner import Progress, RunOutcome, run_scenario
from harness.scenario import Scenario, load_scenario, load_scenarios, override_versions
from harness.stack.stack import Stack, StackOptions

console = Console(highlight=False)
STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.UNKNOWN: "yellow"}


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "run":
        return cmd_run(args)
    if args.command == "check":
        return cmd_check(args.run_dir)
    if args.command == "stack":
        return cmd_stack_up(args)
    if args.command == "list":
        return cmd_list(args.paths)
    if args.command == "init":
        from harness.starter import cmd_init

        return cmd_init(args)
    if args.command == "replay":
        return cmd_replay(args)
    if args.command == "selftest":
        return cmd_selftest(args)
    if args.command == "certify":
        return cmd_certify(args)
    if args.command in ("load", "scale", "bench"):
        from harness.load.command import cmd_bench, cmd_load, cmd_scale

        return int({"load": cmd_load, "scale": cmd_scale, "bench": cmd_bench}[args.command](args))
    if args.command == "explore":
        from harness.explore.command import cmd_explore

        return cmd_explore(args, stack_options)
    if args.command == "report":
        from harness.report.command import cmd_report

        return int(cmd_report(args))
    raise UsageError(f"unknown command {args.command!r}")


def stack_options(args: argparse.Namespace, state_dir: Path) -> StackOptions:
    return StackOptions(
        state_dir=state_dir, temporal_address=args.temporal_address, namespace=args.namespace,
        tls_cert=args.tls_cert, tls_key=args.tls_key, tls_ca=args.tls_ca, api_key=args.api_key,
        temporal_port=args.temporal_port, toxiproxy_url=args.toxiproxy_url,
        toxiproxy_port=args.toxiproxy_port, services_port=args.services_port,
    )


def cmd_run(args: argparse.Namespace) -> int:
    scenarios = load_scenarios(args.scenarios)  # bad input fails here, before anything starts
    for scenario in scenarios:
        override_versions(scenario, args.version or [])
    out: Path = args.out
    state_dir = out / ".stack" / time.strftime("%Y%m%dT%H%M%S")
    outcomes = asyncio.run(run_all(scenarios, stack_options(args, state_dir), out, args.seed))
    return summarize(outcomes)


async def run_all(scenarios: list[Scenario], options: StackOptions, out: Path,
                  seed: int | None) -> list[RunOutcome]:
    from harness.skips import refuse_if_nothing_runs, split_runnable, write_skipped

    outcomes = []
    stack = Stack(options)
    # Scenarios needing a fault this stack cannot do are skipped, each said and recorded;
    # any other bad input in them is still refused here, before anything starts.
    scenarios, skipped = split_runnable(scenarios, stack)
    refuse_if_nothing_runs(scenarios, skipped)
    for skip in skipped:  # plain prints: one line each, never wrapped, for CI logs and grep
        run = write_skipped(out, skip)
        print(f"harness: {skip.line()} ({run.path})", file=sys.stderr, flush=True)
    async with stack:
        for scenario in scenarios:
            with live_progress(scenario) as progress:
                outcome = await run_scenario(scenario, stack, out, seed=seed, progress=progress)
            print_verdicts(outcome.run, outcome.verdicts)
            outcomes.append(outcome)
    if skipped:
        print(f"harness: {len(skipped)} scenario(s) skipped: this stack cannot run them "
              "(each named above)", file=sys.stderr, flush=True)
    return outcomes


@contextmanager
def live_progress(scenario: Scenario):  # type: ignore[no-untyped-def]
    progress = Progress()

    def render(p: Progress) -> Table:
        table = Table.grid(padding=(0, 2))
        elapsed = format_duration(time.monotonic() - p.t0)
        table.add_row(f"[bold]{scenario.name}[/]", p.phase,
                      f"started {p.started}/{p.total}", f"[green]completed {p.completed}[/]",
                      f"[red]failed {p.failed}[/]", elapsed)
        return table

    with Live(render(progress), console=console, refresh_per_second=4,
              transient=not console.is_terminal) as live:
        progress.on_change = lambda p: live.update(render(p))
        yield progress
    if not console.is_terminal:
        console.print(render(progress))


def print_verdicts(run: RunFolder, verdicts: list[Verdict]) -> None:
    title = f"{run.meta.get('scenario')}  ·  seed {run.meta.get('seed')}  ·  {run.path}"
    table = Table(title=title, title_justify="left")
    table.add_column("check")
    table.add_column("verdict")
    table.add_column("summary", overflow="fold")
    for v in verdicts:
        table.add_row(v.check, f"[{STATUS_STYLE[v.status]}]{v.status}[/]", v.summary)
    console.print(table)
    for v in verdicts:
        if v.status == Status.PASS:
            continue  # a passing drill may carry what it detected: that is in the report
        for row in v.evidence[:10]:
            console.print(f"  [dim]{v.check}:[/] {row}", markup=True, highlight=False)


def summarize(outcomes: list[RunOutcome]) -> int:
    verdicts = [v for o in outcomes for v in o.verdicts]
    status = overall(verdicts)
    console.print(f"[{STATUS_STYLE[status]}]{status.upper()}[/]: {len(outcomes)} scenario(s), "
                  f"{sum(v.status == Status.PASS for v in verdicts)} checks passed, "
                  f"{sum(v.status == Status.FAIL for v in verdicts)} failed, "
                  f"{sum(v.status == Status.UNKNOWN for v in verdicts)} unknown")
    return exit_code(status) if outcomes else EXIT_PASS


def cmd_check(run_dir: Path) -> int:
    run = RunFolder(run_dir)
    scenario_file = run_dir / "scenario.yaml"
    if not scenario_file.exists():
        raise UsageError(f"{run_dir}: not a run folder (no scenario.yaml)")
    scenario = load_scenario(scenario_file)
    verdicts = judge(run, [(c.name, c.options) for c in scenario.checks])
    stored = run.read_json("results.json", {})
    write_results(run, verdicts, {"rejudged": True})
    from harness.report import write_reports

    write_reports(run.path)
    print_verdicts(run, verdicts)
    before = {v["check"]: v["status"] for v in stored.get("verdicts", [])}
    for v in verdicts:
        if v.check in before and before[v.check] != str(v.status):
            console.print(f"[yellow]{v.check}: was {before[v.check]}, now {v.status}[/]")
    return exit_code(overall(verdicts))


def cmd_stack_up(args: argparse.Namespace) -> int:
    async def up() -> None:
        async with Stack(stack_options(args, args.state_dir)) as stack:
            table = Table(title="stack is up (Ctrl-C tears it down)", title_justify="left")
            table.add_column("component")
            table.add_column("address")
            for name, address in stack.addresses().items():
                table.add_row(name, address)
            console.print(table)
            while True:
                await asyncio.sleep(3600)

    asyncio.run(up())
    return EXIT_PASS


def cmd_selftest(args: argparse.Namespace) -> int:
    import json

    from harness.checks.registry import CHECKS
    from harness.selftest import selftest

    for name in args.check or []:
        if name not in CHECKS:
            raise UsageError(f"--check: unknown check {name!r} (known: {', '.join(CHECKS)})")
    out = args.out / f"selftest-{time.strftime('%Y%m%dT%H%M%S')}"
    options = stack_options(args, out / ".stack")

    async def go() -> list[Any]:
        async with Stack(options) as stack:
            return await selftest(stack, out, args.seed, args.check)

    rows = asyncio.run(go())
    from harness.selftest import summary, table_rows

    table = Table(title=f"selftest · seed {args.seed} · {out}", title_justify="left")
    for col in ("check", "failure branch", "mutant", "fault fired", "reference",
                "mutant verdict", "planted reason found", "row"):
        table.add_column(col, overflow="fold")
    for row, cells in zip(rows, table_rows(rows), strict=True):
        check, branch, mutant, fault, ref, mut, planted = cells
        table.add_row(check, branch, mutant, fault, f"[{STATUS_STYLE[row.reference]}]{ref}[/]",
                      f"[{STATUS_STYLE[row.mutant]}]{mut}[/]", planted,
                      "[green]proven[/]" if row.ok else "[bold red]NOT PROVEN[/]")
    console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    (out / "selftest.json").write_text(json.dumps([row.to_json() for row in rows], indent=2))
    good = all(row.ok for row in rows) and bool(rows)
    counts = summary(rows)
    console.print(("[green]PASS[/]" if good else "[bold red]FAIL[/]") +
                  f": {counts['proven']} of {counts['rows']} failure branches fail on their "
                  "mutant for the planted reason, with the fault fired, and pass on the "
                  "reference")
    return EXIT_PASS if good else 1


def cmd_certify(args: argparse.Namespace) -> int:
    from harness.certify import certify, load_suite
    from harness.skips import refuse_if_nothing_runs, split_runnable

    _, scenarios = load_suite(args.suite)  # bad input fails before anything starts
    out = args.out / f"certificate-{time.strftime('%Y%m%dT%H%M%S')}"
    options = stack_options(args, out / ".stack")
    stack = Stack(options)
    runnable, skipped = split_runnable(scenarios, stack)
    refuse_if_nothing_runs(runnable, skipped)
    for skip in skipped:
        print(f"harness: {skip.line()}", file=sys.stderr, flush=True)
    candidate = args.candidate.split(",") if args.candidate else None

    async def go() -> Any:
        async with stack:
            return await certify(stack, args.suite, out, args.seed, candidate,
                                 False if args.no_selftest else None)

    status, parts, path = asyncio.run(go())
    table = Table(title=f"certificate · {path}", title_justify="left")
    for col in ("part", "verdict", "summary"):
        table.add_column(col, overflow="fold")
    for part in parts:
        table.add_row(part.name, f"[{STATUS_STYLE[part.status]}]{part.status}[/]", part.summary)
    console.print(table)
    console.print(f"[{STATUS_STYLE[status]}]{str(status).upper()}[/]: certificate written to "
                  f"{path}")
    return exit_code(status)


def cmd_replay(args: argparse.Namespace) -> int:
    import logging

    from harness.versions.replay_gate import (
        gate_exit_code,
        history_files,
        load_workflow_classes,
        replay_files,
        replay_live,
    )

    # The SDK logs every failed replay activation with a traceback; the table says it better.
    logging.getLogger("temporalio").setLevel(logging.CRITICAL)
    workflows = load_workflow_classes(args.workflows)
    if args.timeout <= 0:
        raise UsageError(f"--timeout must be > 0, got {args.timeout}")
    if args.histories is not None:
        results = replay_files(history_files(args.histories), workflows, args.timeout)
    else:
        if not args.temporal_address:
            raise UsageError("--query replays live executions: give --temporal-address")
        from harness.stack.connection import TemporalConnection

        conn = TemporalConnection(args.temporal_address, args.namespace, args.tls_cert,
                                  args.tls_key, args.tls_ca, args.api_key)

        async def live() -> list[Any]:
            return await replay_live(await conn.connect(), args.query, workflows, args.timeout)

        results = asyncio.run(live())
    if not results:
        raise UsageError(f"no history of the types in --workflows {args.workflows!r} found")
    table = Table(title=f"replay of {len(results)} histories against {args.workflows}",
                  title_justify="left")
    for col in ("workflow", "run", "result", "message"):
        table.add_column(col, overflow="fold")
    bad = [r for r in results if r.outcome.status != "ok"]
    for r in bad or results[:20]:
        style = "green" if r.outcome.status == "ok" else "bold red"
        table.add_row(r.workflow_id, r.run_id, f"[{style}]{r.outcome.status}[/]",
                      r.outcome.message[:300])
    console.print(table)
    code = gate_exit_code(results)
    verdict = {0: "[green]PASS[/]", 1: "[bold red]FAIL[/]", 3: "[yellow]UNKNOWN[/]"}[code]
    console.print(f"{verdict}: {len(results) - len(bad)} of {len(results)} replayed cleanly")
    return code


def cmd_list(paths: list[str] | None = None) -> int:
    from harness.checks.registry import CHECKS
    from harness.faults.registry import FAULTS
    from harness.plugins import is_import_path
    from harness.workloads.registry import WORKLOADS

    root = Path("scenarios")
    described = {}  # loading a scenario registers the apps it names: load before listing
    if root.is_dir():
        for path in sorted(p for p in root.rglob("*.yaml") if not p.name.startswith("_")):
            described[path] = _describe_scenario(path)
    for given in paths or []:
        if is_import_path(given) and not Path(given).exists():
            if given not in WORKLOADS:
                raise UsageError(f"harness list: {given!r} is not a workload "
                                 "(package.module:NAME of a harness.workloads.base.Workload)")
            continue
        load_scenarios([given])
    table = Table(title="workloads", title_justify="left")
    for col in ("name", "versions", "params", "description"):
        table.add_column(col)
    for w in WORKLOADS.values():
        table.add_row(w.name, ", ".join(w.versions), ", ".join(w.params_model.model_fields),
                      w.description)
    console.print(table)
    table = Table(title="checks", title_justify="left")
    table.add_column("name")
    table.add_column("description")
    for c in CHECKS.values():
        table.add_row(c.name, c.description)
    console.print(table)
    table = Table(title="faults", title_justify="left")
    table.add_column("type")
    table.add_column("description")
    for name, model in FAULTS.items():
        table.add_row(name, (model.__doc__ or "").strip().split("\n")[0])
    console.print(table)
    if described:
        table = Table(title="scenarios", title_justify="left")
        table.add_column("file")
        table.add_column("description")
        for path, info in described.items():
            table.add_row(str(path), info)
        console.print(table)
    return EXIT_PASS


def _describe_scenario(path: Path) -> str:
    try:
        return load_scenario(path).description or ""
    except UsageError as err:
        return f"[red]invalid: {err}[/]"
