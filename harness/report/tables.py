"""Table rows for the HTML report: evidence, environment, stack, ledger, histories.

Evidence rows are free-form dicts from many checks, so columns come from the rows' own
keys; a `history` value becomes a relative link only when it stays inside the run folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import pandas as pd

from harness.history_store import split_ref
from harness.report.model import RunReport, compact

EVIDENCE_ROWS_SHOWN = 200
HISTORIES_SHOWN = 1000


@dataclass
class Cell:
    text: str
    href: str | None = None
    missing: bool = False  # linked file is not stored in the run folder


@dataclass
class Table:
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    total: int = 0  # rows before the display cap

    @property
    def hidden(self) -> int:
        return self.total - len(self.rows)


def local_link(run_dir: Path, value: Any) -> str | None:
    """`value` as a link relative to the run folder, or None when it is not a safe one."""
    if not isinstance(value, str) or not value or "://" in value or ":" in value.split("/")[0]:
        return None
    path = PurePosixPath(value)
    if path.is_absolute() or ".." in path.parts:
        return None
    return str(path)


def cell(run_dir: Path, key: str, value: Any) -> Cell:
    if key in ("history", "history_file"):
        rel = local_link(run_dir, value)
        if rel:
            # A history in a compressed part is `<part>#<offset>`: link the part itself.
            name, offset = split_ref(rel)
            href = quote(name) + (f"#{offset}" if offset is not None else "")
            return Cell(rel.rsplit("/", 1)[-1], href, not (run_dir / name).exists())
    return Cell(compact(value))


def evidence_table(run_dir: Path, rows: list[Any], cap: int = EVIDENCE_ROWS_SHOWN) -> Table:
    rows = [r if isinstance(r, dict) else {"value": r} for r in rows]
    columns: list[str] = []
    for row in rows:
        columns.extend(k for k in row if k not in columns)
    table = Table(columns, total=len(rows))
    for row in rows[:cap]:
        table.rows.append([cell(run_dir, k, row.get(k)) for k in columns])
    return table


def frame_table(frame: pd.DataFrame) -> Table:
    table = Table([str(c) for c in frame.columns], total=len(frame))
    for record in frame.itertuples(index=False):
        table.rows.append([Cell(compact(v)) for v in record])
    return table


def plain_address(value: Any) -> str:
    """An address without its URL scheme: the report must hold no resource URL at all."""
    text = compact(value)
    if "://" in text:
        scheme, rest = text.split("://", 1)
        return f"{rest.rstrip('/')} ({scheme})"
    return text


def environment_rows(report: RunReport) -> list[tuple[str, str]]:
    meta = report.meta
    rows = [("run id", report.run_id), ("scenario", report.scenario),
            ("seed", compact(report.seed)), ("started", compact(meta.get("started_at"))),
            ("finished", compact(meta.get("finished_at")))]
    env = meta.get("environment")
    if isinstance(env, dict):
        rows += [(str(k).replace("_", " "), compact(v)) for k, v in env.items()]
    if report.results.get("harness_version"):
        rows.append(("judged by harness", compact(report.results["harness_version"])))
    if report.results.get("rejudged"):
        rows.append(("rejudged", "yes: verdicts from `harness check` on the stored run"))
    return [(k, v) for k, v in rows if v]


def stack_rows(report: RunReport) -> list[tuple[str, str]]:
    stack = report.meta.get("stack")
    if not isinstance(stack, dict):
        return []
    return [(str(k), plain_address(v)) for k, v in stack.items() if v not in (None, "")]


def history_table(report: RunReport, cap: int = HISTORIES_SHOWN) -> Table:
    """Stored histories, from workflows.json when present, else whatever is in histories/."""
    workflows = report.run.workflows
    records = [w for w in workflows if isinstance(w, dict)] if isinstance(workflows, list) else []
    table = Table(["workflow", "status", "type", "events", "history"])
    listed: set[str] = set()
    for w in records:
        href = local_link(report.path, w.get("history_file"))
        if href:
            listed.add(href)
        table.rows.append([Cell(compact(w.get("workflow_id"))), Cell(compact(w.get("status"))),
                           Cell(compact(w.get("workflow_type"))),
                           Cell(compact(w.get("history_length"))),
                           cell(report.path, "history", w.get("history_file"))])
    if report.run.histories_dir.is_dir():
        for path in sorted(report.run.histories_dir.glob("*.json")):
            href = f"histories/{path.name}"
            if href not in listed:
                table.rows.append([Cell(path.stem), Cell(""), Cell(""), Cell(""),
                                   Cell(path.name, quote(href))])
    table.total = len(table.rows)
    table.rows = table.rows[:cap]
    return table
