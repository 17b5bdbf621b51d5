"""The `harness` command line: one module per subcommand, registered in `app.py`.

    options.py   the stack options, defined once (argparse here, the pytest plugin too)
    console.py   the one rich Console: CI logs get long lines whole, never wrapped at 80
    render.py    verdict tables, live progress, the one-line summary
    app.py       the parser, the entry point, exit codes and clean-up on every path
    run.py, check.py, stack.py, replay.py, selftest.py, certify.py, explore.py, listing.py:
    subcommands
    (load, scale, bench: harness/load/command.py; report: harness/report/command.py)
"""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> None:
    """The console script `harness` (pyproject.toml). Imported lazily so that modules
    importing `harness.cli.options` do not pull in every subcommand."""
    from harness.cli.app import main as app_main

    app_main(argv)
