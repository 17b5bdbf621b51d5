"""The one rich Console every command prints through.

On a terminal rich fits output to its width. Without one (CI logs, pipes, files) rich
would assume 80 columns and fold table cells mid-word; a log is read with grep and
scrolled sideways, so there lines are never wrapped: long messages stay whole on one line.
"""

from __future__ import annotations

import os
import sys

from rich.console import Console

# Wide enough that no real message is folded; rich still sizes tables to their content.
LOG_WIDTH = 100_000


def make_console(file: object | None = None) -> Console:
    """A console for stdout (or `file`): terminal-sized on a terminal, unbounded otherwise.
    COLUMNS, when set, still wins (rich's own rule)."""
    stream = file if file is not None else sys.stdout
    is_terminal = bool(getattr(stream, "isatty", lambda: False)())
    width = None if is_terminal or os.environ.get("COLUMNS") else LOG_WIDTH
    return Console(highlight=False, width=width, file=file)  # type: ignore[arg-type]


console = make_console()
