"""`harness explore [SPACE_OR_SCENARIO...] --budget 10m [--seed N | --seed-from-date]`:
search a declared fault space for failures; shrink each to a minimal scenario.

The logic lives in harness/explore/; this module parses the flags and prints progress.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from harness.cli.console import console
from harness.cli.options import add_stack_options, stack_options
from harness.durations import format_duration, parse_duration
from harness.errors import EXIT_FAIL, EXIT_PASS, UsageError
from harness.explore.live import explore_on_stack
from harness.explore.session import DrawRecord, Finding, Settings, scenario_yaml
from harness.explore.space import load_spaces
from harness.explore.trials import TrialResult

DEFAULT_SPACES = Path("scenarios/explore")


def _duration(text: str) -> float:
    try:
        seconds = parse_duration(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    if seconds <= 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, got {text!r}")
    return seconds


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def register(sub: Any) -> None:
    p = sub.add_parser(
        "explore", help="search a fault space for failures; shrink each to a minimal scenario",
        description="Draw scenarios from declared spaces under a seed, run them back to back "
                    "on one stack until the budget is spent, and shrink every failure to a "
                    "minimal scenario YAML for `harness run`.")
    p.add_argument("spaces", nargs="*", type=Path, metavar="SPACE_OR_SCENARIO",
                   help="space files (scenarios/explore/*.yaml), folders of them, or plain "
                        "scenarios to draw faults around (default: scenarios/explore)")
    p.add_argument("--budget", type=_duration, default=600.0,
                   help="search time, e.g. 5m (default 10m); each failure found then gets "
                        "--shrink-budget more")
    seed = p.add_mutually_exclusive_group()
    seed.add_argument("--seed", type=int, help="the seed of the draw sequence")
    seed.add_argument("--seed-from-date", action="store_true",
                      help="today's UTC date as the seed (YYYYMMDD): a new sequence each "
                           "night, replayable with --seed")
    p.add_argument("--reruns", type=_positive, default=3,
                   help="runs that tell a reproducible failure from a flaky one (default 3)")
    p.add_argument("--shrink-budget", type=_duration,
                   help="shrinking time per failure (default: the same as --budget)")
    p.add_argument("--out", type=Path, default=Path("reports"),
                   help="where the explore folder goes (default: reports/)")
    add_stack_options(p)
    p.set_defaults(handler=execute)


def choose_seed(args: argparse.Namespace) -> int:
    if args.seed is not None:
        if args.seed < 0:
            raise UsageError(f"--seed must be >= 0, got {args.seed}")
        return int(args.seed)
    if args.seed_from_date:
        return int(datetime.now(UTC).strftime("%Y%m%d"))
    return random.SystemRandom().randrange(2**31)


def execute(args: argparse.Namespace) -> int:
    spaces = load_spaces(args.spaces or [DEFAULT_SPACES])  # bad input: nothing started
    seed = choose_seed(args)
    settings = Settings(budget=args.budget, seed=seed, reruns=args.reruns,
                        shrink_budget=args.shrink_budget)
    out: Path = args.out / f"explore-{seed}-{time.strftime('%Y%m%dT%H%M%S')}"
    console.print(f"[bold]explore[/] · seed {seed} · budget {format_duration(args.budget)} · "
                  f"spaces {', '.join(s.space for s in spaces)} · {out}")
    result = asyncio.run(explore_on_stack(spaces, stack_options(args, out / ".stack"),
                                          settings, out, render))
    found = [f for f in result.findings if f.duplicate_of is None]
    console.print(f"{len(result.draws)} draws in {format_duration(result.search_seconds)} of "
                  f"search, {format_duration(result.seconds)} in all; report: "
                  f"{out / 'explore.md'}")
    if not found:
        console.print("[green]PASS[/]: no failure found (coverage in the report)")
        return EXIT_PASS
    flaky = sum(f.verdict == "flaky" for f in found)
    console.print(f"[bold red]FAIL[/]: {len(found)} failure(s) found, {flaky} flaky; "
                  f"re-seed with --seed {seed}")
    return EXIT_FAIL


def render(kind: str, data: Any) -> None:
    """One line per draw and per step of each investigation."""
    if kind == "draw":
        record: DrawRecord = data
        scenario = record.scenario
        workloads = ", ".join(f"{w.name}@{w.version} x{w.count}" for w in scenario.workloads)
        faults = ", ".join(getattr(f, "type", "?") for f in scenario.faults) or "no faults"
        style = {"pass": "green", "fail": "bold red", "unknown": "yellow"}[record.status]
        failed = f" ({', '.join(sorted(record.result.failed_checks))})" \
            if record.result.failed else ""
        console.print(f"#{record.index:<3} {scenario.name}  {workloads} · {faults}  "
                      f"{format_duration(record.result.seconds)}  "
                      f"[{style}]{record.status}[/]{failed}")
    elif kind == "reproduced":
        finding: Finding = data
        console.print(f"     re-run: failed {finding.original} runs")
    elif kind == "duplicate":
        console.print(f"     the same failure as draw {data.duplicate_of}: not shrunk again")
    elif kind == "shrink_run":
        result: TrialResult = data
        mark = "still fails" if result.failed else "passes"
        console.print(f"     shrink candidate {mark} ({format_duration(result.seconds)})")
    elif kind == "minimal":
        finding = data
        assert finding.minimal is not None
        console.print(f"     minimal scenario ({finding.verdict}: failed "
                      f"{finding.minimal_reproduction} runs; {len(finding.steps)} shrink "
                      f"steps): {finding.minimal_path}")
        console.print(scenario_yaml(finding.minimal), markup=False)
