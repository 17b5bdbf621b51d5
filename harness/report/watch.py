"""The report's view of the things to watch: backlog on the timeline and their tables.

Figures come from results.json's `watch` section when the run wrote one, else they are
computed from the run folder with the same code (harness.watch.figures), so a report never
shows other numbers than the run judged with.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from harness.report.model import RunReport
from harness.report.tables import Table, frame_table
from harness.watch.backlog import read_samples
from harness.watch.figures import watch_figures


def figures_of(report: RunReport) -> dict[str, Any]:
    stored = report.results.get("watch")
    return stored if isinstance(stored, dict) else watch_figures(report.run)


def backlog_frame(report: RunReport) -> pd.DataFrame:
    samples, _ = read_samples(report.run)
    return pd.DataFrame([{"t": s.t, "workflow": s.workflow, "activity": s.activity}
                         for s in samples], columns=["t", "workflow", "activity"])


def drains(figures: dict[str, Any]) -> list[dict[str, Any]]:
    backlog = figures.get("backlog")
    return list(backlog.get("per_fault") or []) if isinstance(backlog, dict) else []


def drain_table(figures: dict[str, Any], t0: float) -> Table | None:
    rows = []
    for d in drains(figures):
        drained = d.get("drained")
        rows.append({"fault": f"{d.get('fault_id')} {d.get('fault')}",
                     "target": d.get("target") or "",
                     "hit": _at(d.get("from"), t0), "healed": _at(d.get("healed"), t0),
                     "backlog before": d.get("baseline"), "peak": d.get("peak"),
                     "drain": "not sampled" if drained is None else "never drained"
                     if drained is False else f"{float(d.get('drain_s') or 0):.2f} s"})
    return frame_table(pd.DataFrame(rows)) if rows else None


def watch_tables(figures: dict[str, Any]) -> list[tuple[str, Table]]:
    """(title, table) for each thing to watch that has figures."""
    out: list[tuple[str, Table]] = []
    phases = figures.get("schedule_to_start") or {}
    rows = [{"phase": phase, "tasks": kind, **{k: v for k, v in dist.items()}}
            for phase, kinds in phases.items() for kind, dist in kinds.items()]
    if rows:
        out.append(("Schedule-to-start latency per phase (s)", frame_table(pd.DataFrame(rows))))
    causes = figures.get("workflow_task_failures") or {}
    out.append(("Workflow task failures by cause", frame_table(pd.DataFrame(
        [{"cause": c, "count": n} for c, n in causes.items()] or [{"cause": "none",
                                                                    "count": 0}]))))
    acts = (figures.get("activity_failures") or {}).get("by_type") or {}
    if acts:
        out.append(("Activity failures by type", frame_table(pd.DataFrame(
            [{"activity": name, **{k: v for k, v in row.items() if k != "errors"},
              "errors": ", ".join(f"{e}: {n}" for e, n in (row.get("errors") or {}).items())}
             for name, row in acts.items()]))))
    retries = figures.get("retries") or {}
    if retries.get("by_service"):
        out.append(("Requests per effect (retries), by service", frame_table(pd.DataFrame(
            [{"service": name, **row} for name, row in retries["by_service"].items()]))))
    history = figures.get("history")
    if isinstance(history, dict):
        out.append(("Event history per execution", frame_table(pd.DataFrame([{
            k: history.get(k) for k in ("executions", "length_max", "length_p95",
                                        "size_max_bytes", "size_p95_bytes")}]))))
    workers = figures.get("workers")
    if isinstance(workers, dict):
        out.append(("Workers", frame_table(pd.DataFrame([workers]))))
    grpc = figures.get("grpc_errors") or {}
    rows = [{"seen by": who.replace("_", " "), "code": code, "count": n}
            for who, codes in grpc.items() for code, n in (codes or {}).items()]
    out.append(("gRPC errors", frame_table(pd.DataFrame(
        rows or [{"seen by": "nobody", "code": "none", "count": 0}]))))
    return out


def history_warnings(figures: dict[str, Any]) -> list[str]:
    history = figures.get("history")
    if not isinstance(history, dict):
        return []
    return [f"history of {w.get('workflow_id')} is near Temporal's limit "
            f"({', '.join(f'{k} {w[k]}' for k in ('events', 'bytes') if k in w)}; warns at "
            f"{w.get('warn_at')}, terminated at {w.get('terminated_at')})"
            for w in history.get("warnings") or []]


def _at(value: Any, t0: float) -> str:
    return f"+{float(value) - t0:.2f} s" if isinstance(value, int | float) else ""
