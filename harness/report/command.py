"""`harness report`: regenerate a run's reports, compare two runs, or chart a trend.

`add_report_parser` registers the subcommand (with `cmd_report` as its handler) on the
CLI's parser in harness/cli/app.py.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.markup import escape

from harness.cli.console import console
from harness.errors import EXIT_FAIL, EXIT_PASS, UsageError


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number (0.1 means 10%)") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def add_report_parser(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "report", help="regenerate reports, compare two runs, or chart a trend",
        description="harness report RUN_DIR...  |  harness report --compare RUN_A RUN_B  |  "
                    "harness report --trend DIR [--out FILE]")
    parser.add_argument("run_dirs", nargs="*", type=Path, metavar="RUN_DIR",
                        help="run folders whose report.html, junit.xml, summary.md to rewrite")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--compare", nargs=2, type=Path, metavar=("RUN_A", "RUN_B"),
                      help="compare run B (candidate) against run A (baseline); "
                           "exit 1 on a regression")
    mode.add_argument("--trend", type=Path, metavar="DIR",
                      help="a trend page over the run folders under DIR")
    parser.add_argument("--out", type=Path, metavar="FILE",
                        help="--trend: the page (default DIR/trend.html); "
                             "--compare: also write the comparison as Markdown here")
    g = parser.add_argument_group("--compare thresholds (fractions: 0.1 = 10%)")
    g.add_argument("--max-throughput-drop", type=_fraction, default=0.10, metavar="F")
    g.add_argument("--max-latency-p95-rise", type=_fraction, default=0.20, metavar="F")
    g.add_argument("--max-recovery-p95-rise", type=_fraction, default=0.20, metavar="F")
    g.add_argument("--allow-verdict-worsening", action="store_true",
                   help="do not count a worse verdict as a regression")
    parser.set_defaults(handler=cmd_report)
    return parser


def cmd_report(args: argparse.Namespace) -> int:
    if args.compare:
        if args.run_dirs:
            raise UsageError("give either RUN_DIR... or --compare RUN_A RUN_B, not both")
        return _compare(args)
    if args.trend:
        if args.run_dirs:
            raise UsageError("give either RUN_DIR... or --trend DIR, not both")
        from harness.report.trend import write_trend

        console.print(escape(f"trend: {write_trend(args.trend, args.out)}"))
        return EXIT_PASS
    if not args.run_dirs:
        raise UsageError("harness report needs RUN_DIR..., --compare RUN_A RUN_B or --trend DIR")
    if args.out:
        raise UsageError("--out applies to --trend and --compare only")
    from harness.report import write_reports
    from harness.report.model import open_run

    for run_dir in args.run_dirs:  # check every folder before writing into any
        open_run(run_dir)
    for run_dir in args.run_dirs:
        written = write_reports(run_dir)
        console.print(escape(f"{run_dir}: " + ", ".join(p.name for p in written.values())))
    return EXIT_PASS


def _compare(args: argparse.Namespace) -> int:
    from harness.report.compare import Thresholds, compare

    thresholds = Thresholds(
        max_throughput_drop=args.max_throughput_drop,
        max_latency_p95_rise=args.max_latency_p95_rise,
        max_recovery_p95_rise=args.max_recovery_p95_rise,
        verdict_worsening=not args.allow_verdict_worsening)
    result = compare(args.compare[0], args.compare[1], thresholds)
    console.print(result.rich_table())
    for line in result.regressions:
        console.print(f"[bold red]regression:[/] {escape(line)}")
    for line in result.notes:
        console.print(f"[dim]note: {escape(line)}[/]")
    if args.out:
        args.out.write_text(result.to_markdown(), encoding="utf-8")
    console.print("[bold red]REGRESSION[/]" if result.regressions else "[green]no regression[/]")
    return EXIT_FAIL if result.regressions else EXIT_PASS
