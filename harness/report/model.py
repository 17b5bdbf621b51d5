"""What every report of one run needs, loaded once from the run folder.

Reports must work on any past run, including half-written or older ones, so loading
never raises on a missing or unreadable optional file: it records a note instead, and
the reports show the notes so a reader knows what is absent and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.errors import UsageError
from harness.report.schema import validate_results
from harness.runfolder import RunFolder

STATUSES = ("pass", "fail", "unknown")


def open_run(path: Path) -> RunFolder:
    """A RunFolder for `path`, or a one-line UsageError naming it."""
    if not path.exists():
        raise UsageError(f"{path}: no such run folder")
    if not path.is_dir():
        raise UsageError(f"{path}: not a run folder (not a directory)")
    if not (path / "meta.json").exists() and not (path / "results.json").exists():
        raise UsageError(f"{path}: not a run folder (no meta.json or results.json)")
    return RunFolder(path)


@dataclass
class RunReport:
    run: RunFolder
    meta: dict[str, Any]
    results: dict[str, Any]
    notes: list[str] = field(default_factory=list)

    @property
    def path(self) -> Path:
        return self.run.path

    @property
    def run_id(self) -> str:
        return str(self.results.get("run_id") or self.meta.get("run_id") or self.path.name)

    @property
    def scenario(self) -> str:
        return str(self.results.get("scenario") or self.meta.get("scenario") or "unknown")

    @property
    def seed(self) -> Any:
        seed = self.results.get("seed")
        return self.meta.get("seed") if seed is None else seed

    @property
    def status(self) -> str:
        status = self.results.get("status")
        return status if status in STATUSES else "unknown"

    @property
    def verdicts(self) -> list[dict[str, Any]]:
        return [v for v in self.results.get("verdicts", []) if isinstance(v, dict)]

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for v in self.verdicts:
            counts[v.get("status") if v.get("status") in counts else "unknown"] += 1
        return counts


def _read(run: RunFolder, name: str, notes: list[str]) -> Any:
    try:
        return run.read_json(name)
    except (OSError, ValueError) as err:
        notes.append(f"{name} could not be read ({err.__class__.__name__}: {err})")
        return None


def load_report(path: Path) -> RunReport:
    """Load a run folder for reporting; raises UsageError only for a missing or foreign path."""
    run = open_run(path)
    notes: list[str] = []
    meta = _read(run, "meta.json", notes)
    if not isinstance(meta, dict):
        if (path / "meta.json").exists():
            notes.append("meta.json is not an object; run details are missing")
        else:
            notes.append("meta.json is missing; run details are missing")
        meta = {}
    results = _read(run, "results.json", notes)
    if results is None:
        if not (path / "results.json").exists():
            notes.append("results.json is missing: this run was not judged "
                         "(`harness check RUN_DIR` judges it)")
        results = {}
    elif not isinstance(results, dict):
        notes.append("results.json is not an object; verdicts are missing")
        results = {}
    else:
        problems = validate_results(results)
        if problems:
            shown = "; ".join(problems[:3]) + (" ..." if len(problems) > 3 else "")
            notes.append(f"results.json does not match harness.results/1: {shown}")
    # The run folder's own readers skip torn lines; a journal that is absent is worth saying.
    if not run.journal_path.exists():
        notes.append("journal.jsonl is missing: no timeline, throughput or latency")
    return RunReport(run=run, meta=meta, results=results, notes=notes)


def compact(value: Any, limit: int = 300) -> str:
    """One-line text for a table cell: nested values as JSON, long text cut."""
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
