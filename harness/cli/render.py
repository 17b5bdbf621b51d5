"""What the commands print: verdict tables, live progress, the one-line summary.

Everything goes through the one console (harness/cli/console.py), so CI logs get long
messages whole on one line.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.live import Live
from rich.markup import escape
from rich.table import Table

from harness.checks.verdict import Status, Verdict
from harness.cli.console import console
from harness.durations import format_duration
from harness.run_context import Progress
from harness.runfolder import RunFolder

STATUS_STYLE = {Status.PASS: "green", Status.FAIL: "bold red", Status.UNKNOWN: "yellow"}


def styled(status: Status, text: str | None = None) -> str:
    """`text` (default: the status) in the status's colour, as rich markup."""
    return f"[{STATUS_STYLE[status]}]{escape(text if text is not None else str(status))}[/]"


def table(title: str, *columns: str) -> Table:
    """A left-titled table whose cells fold only on a terminal (never in a log)."""
    out = Table(title=title, title_justify="left")
    for column in columns:
        out.add_column(column, overflow="fold")
    return out


@contextmanager
def live_progress(name: str) -> Iterator[Progress]:
    """Counters redrawn in place on a terminal; printed once at the end in a log."""
    progress = Progress()

    def render(p: Progress) -> Table:
        grid = Table.grid(padding=(0, 2))
        elapsed = format_duration(time.monotonic() - p.t0)
        grid.add_row(f"[bold]{escape(name)}[/]", p.phase,
                     f"started {p.started}/{p.total}", f"[green]completed {p.completed}[/]",
                     f"[red]failed {p.failed}[/]", elapsed)
        return grid

    with Live(render(progress), console=console, refresh_per_second=4,
              transient=not console.is_terminal) as live:
        progress.on_change = lambda p: live.update(render(p))
        yield progress
    if not console.is_terminal:
        console.print(render(progress))


def print_verdicts(run: RunFolder, verdicts: list[Verdict]) -> None:
    title = f"{run.meta.get('scenario')}  ·  seed {run.meta.get('seed')}  ·  {run.path}"
    out = table(title, "check", "verdict", "summary")
    for v in verdicts:
        out.add_row(v.check, styled(v.status), escape(v.summary))
    console.print(out)
    for v in verdicts:
        if v.status == Status.PASS:
            continue  # a passing drill may carry what it detected: that is in the report
        for row in v.evidence[:10]:
            shown = {k: val for k, val in row.items() if k != "traceback"}  # in results.json
            console.print(f"  [dim]{escape(v.check)}:[/] {escape(str(shown))}")


def print_summary(status: Status, scenarios: int, verdicts: list[Verdict]) -> None:
    """The last line of a run: the merged status and the counts behind it."""
    console.print(f"{styled(status, str(status).upper())}: {scenarios} scenario(s), "
                  f"{sum(v.status == Status.PASS for v in verdicts)} checks passed, "
                  f"{sum(v.status == Status.FAIL for v in verdicts)} failed, "
                  f"{sum(v.status == Status.UNKNOWN for v in verdicts)} unknown")
