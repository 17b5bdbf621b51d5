"""`harness load`, `harness scale` and `harness bench`: parsers and commands.

`add_load_parsers` registers the three subcommands, each with its handler, on the CLI's
parser (harness/cli/app.py). Bad input raises UsageError before anything starts (exit 2);
exit codes of load and scale come from the merged verdicts (checks/verdict.py); bench exits
0 when it measured everything (its targets are reported, not enforced).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from pathlib import Path
from typing import Any

from harness.checks.verdict import Status, exit_code, merge, merge_verdicts
from harness.cli.options import add_stack_options, stack_options
from harness.durations import parse_duration
from harness.errors import EXIT_INFRA, EXIT_PASS, UsageError
from harness.load.options import LoadOptions
from harness.load.shapes import SHAPES, parse_shape_args

# --largest: shapes climbed smallest first, up to the seed's 1K children x 1K activities.
LADDER = "10x10,50x20,100x100,200x100,500x100,1000x100,1000x300,1000x1000"


def _duration(text: str) -> float:
    try:
        return parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None


def add_load_parsers(subparsers: Any) -> None:
    """Add the `load`, `scale` and `bench` subcommands to harness's subparsers."""
    load = subparsers.add_parser(
        "load", help="drive a scenario's workloads with Locust while its faults run",
        description="Drive a scenario with Locust (headless unless --ui). Each request is one "
                    "workflow, start to end; the scenario's workload counts are the mix.")
    load.add_argument("scenario", type=Path, metavar="SCENARIO")
    load.add_argument("-u", "--users", type=int, default=10, help="concurrent users (10)")
    load.add_argument("-r", "--spawn-rate", type=float, help="users started per second "
                      "(default: all within a second)")
    load.add_argument("-t", "--duration", type=_duration, default=30.0,
                      help="how long to load, e.g. 30s, 2m (30s)")
    load.add_argument("--shape", choices=sorted(SHAPES), help="staged load instead of -u/-t")
    load.add_argument("--shape-args", metavar="K=V,...",
                      help="e.g. peak=20,ramp=10s,hold=20s (see harness/load/README.md)")
    load.add_argument("--arrival-rate", type=float, metavar="PER_S",
                      help="open loop: start this many workflows per second whatever latency")
    load.add_argument("--processes", type=int, default=0, metavar="N",
                      help="distributed: a Locust master and N local workers (0: one process)")
    load.add_argument("--remote-workers", type=int, default=0, metavar="K",
                      help="also wait for K workers started on other machines (README)")
    load.add_argument("--master-port", type=int, metavar="PORT")
    load.add_argument("--ui", action="store_true", help="Locust's web UI on 127.0.0.1")
    load.add_argument("--web-port", type=int, metavar="PORT")
    load.add_argument("--stop-timeout", type=_duration, default=30.0,
                      help="let in-flight workflows finish this long at the end (30s; "
                           "0 kills them: failures)")
    load.add_argument("--drain", type=_duration, default=60.0,
                      help="then wait up to this long for the run's workflows to close (60s)")
    load.add_argument("--no-metrics", action="store_true",
                      help="do not scrape the workers' Prometheus metrics")
    _common(load)
    add_stack_options(load)
    load.set_defaults(handler=cmd_load)

    scale = subparsers.add_parser("scale", help="sweep fan-out shape and worker count")
    scale.add_argument("--shapes", help="CHILDRENxACTIVITIES list (10x10,50x20,100x100; "
                       "with --largest: " + LADDER + ")")
    scale.add_argument("--largest", action="store_true",
                       help="climb the shapes smallest first with one worker and a 10m budget: "
                            "ends at the largest shape this machine finishes in time")
    scale.add_argument("--budget", type=_duration, metavar="DURATION",
                       help="the whole sweep's time; points that would not fit are skipped")
    scale.add_argument("--workers", help="worker counts (1,2; with --largest: 1)")
    scale.add_argument("--parents", type=int, default=1, help="fan-out parents per point (1)")
    scale.add_argument("--deadline", type=_duration, default=600.0,
                       help="per point (10m)")
    scale.add_argument("--via-proxy", action="store_true",
                       help="keep the workers' toxiproxy hop (default: direct, no faults here)")
    _common(scale)
    add_stack_options(scale)
    scale.set_defaults(handler=cmd_scale)

    bench = subparsers.add_parser("bench", help="the harness against the bare SDK, one stack")
    bench.add_argument("--json", type=Path, metavar="FILE", help="also write the figures here")
    bench.add_argument("--quick", action="store_true", help="tiny sizes: a smoke test")
    bench.add_argument("--out", type=Path, default=Path("reports"))
    add_stack_options(bench)
    bench.set_defaults(handler=cmd_bench)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, help="seed for every random choice")
    parser.add_argument("--out", type=Path, default=Path("reports"),
                        help="where run folders go (reports/)")


def load_options(args: argparse.Namespace) -> LoadOptions:
    return LoadOptions(
        users=args.users, spawn_rate=args.spawn_rate, duration=args.duration, shape=args.shape,
        shape_args=parse_shape_args(args.shape_args), arrival_rate=args.arrival_rate,
        processes=args.processes, remote_workers=args.remote_workers,
        master_port=args.master_port, ui=args.ui, web_port=args.web_port,
        stop_timeout=args.stop_timeout, drain=args.drain, metrics=not args.no_metrics)


def _state_dir(out: Path) -> Path:
    return out / ".stack" / time.strftime("%Y%m%dT%H%M%S")


def cmd_load(args: argparse.Namespace) -> int:
    from harness.cli.render import print_verdicts
    from harness.load.console import console, print_load_summary
    from harness.load.run_load import run_load
    from harness.scenario import load_scenario
    from harness.stack.ports import ensure_port_free, free_port

    scenario = load_scenario(args.scenario)
    options = load_options(args).validate(scenario.deadline)
    for port, what in ((options.master_port, "Locust master"), (options.web_port, "Locust UI")):
        if port:
            ensure_port_free("127.0.0.1", port, what)
    if options.ui:
        options.web_port = options.web_port or free_port()
        console.print(f"Locust UI: http://127.0.0.1:{options.web_port}")
    outcome, summary = asyncio.run(run_load(scenario, stack_options(args, _state_dir(args.out)),
                                            args.out, args.seed, options))
    print_load_summary(summary, outcome.run.path)
    print_verdicts(outcome.run, outcome.verdicts)
    return exit_code(merge_verdicts(outcome.verdicts))


def cmd_scale(args: argparse.Namespace) -> int:
    from harness.load.console import (
        console,
        print_scale_row,
        print_scale_summary,
        print_scale_table,
    )
    from harness.load.links import workers_direct
    from harness.load.sweep import SweepPoint, parse_counts, parse_shapes, run_sweep
    from harness.stack.stack import Stack

    shapes = parse_shapes(args.shapes or (LADDER if args.largest else "10x10,50x20,100x100"))
    workers = parse_counts(args.workers or ("1" if args.largest else "1,2"), "--workers")
    budget = args.budget if args.budget is not None else (600.0 if args.largest else None)
    if budget is not None and budget <= 0:
        raise UsageError("--budget must be > 0")
    if args.parents < 1:
        raise UsageError(f"--parents must be >= 1 (got {args.parents})")
    points = [SweepPoint(c, a, w) for c, a in shapes for w in workers]
    sweep_dir = args.out.absolute() / f"scale-{time.strftime('%Y%m%dT%H%M%S')}"

    async def sweep() -> Any:
        async with Stack(stack_options(args, _state_dir(args.out))) as stack:
            with workers_direct(stack, enabled=not args.via_proxy):
                return await run_sweep(points, stack, sweep_dir, parents=args.parents,
                                       deadline=args.deadline, seed=args.seed, budget=budget,
                                       on_point=print_scale_row)

    frame = asyncio.run(sweep())
    print_scale_table(frame.to_dict("records"))
    print_scale_summary(json.loads((sweep_dir / "scale.json").read_text(encoding="utf-8")))
    console.print(f"sweep folder: {sweep_dir} (scale.csv, scale.parquet, scale.json, *.png)")
    return exit_code(merge(Status(s) for s in frame["status"]))


def cmd_bench(args: argparse.Namespace) -> int:
    from harness.bench.run import run_bench
    from harness.load.console import console, print_bench
    from harness.stack.stack import Stack

    folder = args.out.absolute() / f"bench-{time.strftime('%Y%m%dT%H%M%S')}"

    async def bench() -> dict[str, Any]:
        async with Stack(stack_options(args, _state_dir(args.out))) as stack:
            return await run_bench(stack, folder, args.quick,
                                   say=lambda text: console.print(f"[dim]{text}[/]"))

    result = asyncio.run(bench())
    text = json.dumps(result, indent=2, default=str)
    (folder / "bench.json").write_text(text, encoding="utf-8")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text, encoding="utf-8")
    print_bench(result)
    return EXIT_INFRA if result["errors"] else EXIT_PASS
