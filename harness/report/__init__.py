"""Reports over a run folder: report.html, junit.xml and summary.md, plus comparisons.

`write_reports` is called at the end of every run and by `harness report RUN_DIR`; it
reads only the run folder (docs/run-folder.md), so any past run can be reported again.
Imports are deferred so that importing the CLI does not load matplotlib and pandas.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_reports"]


def write_reports(run_dir: Path) -> dict[str, Path]:
    """Write report.html, junit.xml and summary.md into `run_dir`; returns them by kind.

    Missing optional files (faults, activity events, ledger, results) become notes in the
    reports, never exceptions; a missing or foreign folder raises UsageError.
    """
    from harness.report.html import write_html
    from harness.report.junit import write_junit
    from harness.report.markdown import write_markdown
    from harness.report.model import load_report

    report = load_report(Path(run_dir))
    return {
        "html": write_html(report),
        "junit": write_junit([report], report.path / "junit.xml"),
        "markdown": write_markdown(report),
    }
