"""report.html: one self-contained page a person opens to decide about a run.

Everything is inline (CSS, PNG plots as data URIs) so the file can be mailed, archived
as a CI artifact or opened on a plane; no part of it fetches anything from a network.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd

from harness.report import frames, plots, watch
from harness.report.figures import KeyFigures, fmt_rate, fmt_seconds, key_figures
from harness.report.model import RunReport, compact
from harness.report.swimlane import swimlane_plot
from harness.report.tables import (
    Table,
    environment_rows,
    evidence_table,
    frame_table,
    history_table,
    stack_rows,
)
from harness.report.timeline import timeline_plot

SWIMLANE_CAP = 40
_URL = re.compile(r"\b(https?)://", re.IGNORECASE)


def defang(text: str) -> str:
    """Break every http(s) URL so the page can never reference a network resource."""
    return _URL.sub(r"\1[:]//", text)


@cache
def _jinja() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("harness.report", "templates"),
        autoescape=True, trim_blocks=True, lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )


def render(template: str, **context: Any) -> str:
    css = _jinja().get_template("report.css").render()
    return defang(_jinja().get_template(template).render(css=css, **context))


@dataclass
class Plot:
    title: str
    uri: str | None
    note: str
    alt: str


def figure_rows(fig: KeyFigures) -> list[tuple[str, str]]:
    def count(value: int | None) -> str:
        return "n/a" if value is None else str(value)

    return [
        ("workflows started", count(fig.workflows)), ("completed", count(fig.completed)),
        ("failed", count(fig.failed)), ("indeterminate", count(fig.indeterminate)),
        ("duration", fmt_seconds(fig.duration_s)), ("throughput", fmt_rate(fig.throughput_wps)),
        ("latency p50", fmt_seconds(fig.latency_p50_s)),
        ("latency p95", fmt_seconds(fig.latency_p95_s)),
        ("latency max", fmt_seconds(fig.latency_max_s)), ("faults", str(fig.faults)),
        ("recovery p50", fmt_seconds(fig.recovery_p50_s)),
        ("recovery p95", fmt_seconds(fig.recovery_p95_s)),
    ]


def per_fault_frame(report: RunReport) -> pd.DataFrame:
    recovery = report.results.get("recovery")
    rows = recovery.get("per_fault") if isinstance(recovery, dict) else None
    # A fault that hit no work in flight has nothing to recover from: not "never recovered".
    frame = pd.DataFrame([r for r in rows or [] if isinstance(r, dict)
                          and not r.get("landed_on_nothing")])
    for col in ("fault_id", "fault", "target", "seconds"):
        if col not in frame:
            frame[col] = None
    return frame


def per_fault_table(frame: pd.DataFrame, t0: float) -> Table:
    """Epoch times become seconds since run start, the axis every plot uses."""
    shown = frame.drop(columns=[c for c in ("per_workflow", "landed_on_nothing")
                                if c in frame]).copy()
    for col in ("injected_at", "healed_at", "recovered_at"):
        if col in shown:
            rel = pd.to_numeric(shown[col], errors="coerce") - t0
            shown[col] = rel.map(lambda v: "" if pd.isna(v) else f"+{v:.2f} s")
    shown["seconds"] = pd.to_numeric(shown["seconds"], errors="coerce").map(
        lambda v: "never recovered" if pd.isna(v) else f"{v:.3f}")
    return frame_table(shown.rename(columns={"injected_at": "injected", "healed_at": "healed",
                                             "recovered_at": "recovered"}))


def _drawn(report: RunReport, name: str, draw: Callable[[], str | None]) -> str | None:
    """A plot, or None with a note: odd evidence must cost one plot, never the report."""
    try:
        return draw()
    except Exception as err:  # the rest of the report is still worth writing
        report.notes.append(f"the {name} plot could not be drawn ({type(err).__name__}: {err})")
        return None


def build_plots(report: RunReport) -> tuple[list[Plot], pd.DataFrame]:
    run = report.run
    t0 = frames.run_start(run) or 0.0
    done, faults = frames.completions(run), frames.faults(run)
    events = frames.read_activity_events(run.workers_dir)
    attempts = frames.attempts(events, frames.run_end(run), frames.worker_deaths(run))
    injections = events[events["event"] == "injected"] if len(events) else events
    crashes = frames.worker_crashes(run)
    figures = watch.figures_of(report)
    backlog = watch.backlog_frame(report)
    timeline = _drawn(report, "timeline", lambda: timeline_plot(
        done, faults, crashes, t0, backlog, watch.drains(figures)))
    swimlane = _drawn(report, "activity", lambda: swimlane_plot(
        attempts, injections, faults, crashes, t0, SWIMLANE_CAP))
    lanes = attempts["workflow_id"].nunique()
    per_fault = per_fault_frame(report)
    recovery = _drawn(report, "recovery", lambda: plots.recovery_plot(per_fault))
    no_recovery = ("no faults ran in this run" if faults.empty and per_fault.empty
                   else "recovery was not measured for this run (no recovery in results.json)")
    return [
        Plot("Timeline", timeline,
             "no workflow result was recorded in the journal" if timeline is None else
             "Faults on top (bar: inject to heal, diamond: instantaneous, x: a worker died "
             "unasked), then workflow completions per second, the task-queue backlog sampled "
             "from the server with each fault's drain time, and start-to-result latency."
             + ("" if len(backlog) else " No backlog was sampled in this run."),
             "throughput, task-queue backlog with drain times, and latency over time"),
        Plot("Activity attempts", swimlane,
             "no activity events were recorded (no workers/*.activities.jsonl)"
             if swimlane is None else
             f"Showing {min(lanes, SWIMLANE_CAP)} of {lanes} workflows, retried ones first; "
             "one bar per attempt, x marks an attempt whose worker went away.",
             "activity attempts per workflow"),
        Plot("Recovery time", recovery, no_recovery if recovery is None else
             "Seconds from the end of each fault's damage (its heal, or the kill itself) to "
             "resumed progress; x marks a fault the run never recovered from.",
             "recovery seconds per fault"),
    ], per_fault


def verdict_rows(report: RunReport) -> list[dict[str, Any]]:
    rows = []
    for v in report.verdicts:
        stats = v.get("stats") if isinstance(v.get("stats"), dict) else {}
        rows.append({
            "check": compact(v.get("check")), "status": compact(v.get("status")) or "unknown",
            "summary": compact(v.get("summary"), 1000),
            "stats": ", ".join(f"{k}: {compact(x)}" for k, x in stats.items()),
            "evidence": evidence_table(report.path, list(v.get("evidence") or [])),
        })
    return rows


def render_report(report: RunReport) -> str:
    plot_list, per_fault = build_plots(report)
    ledger = frames.ledger_summary(report.run.ledger)
    ledger_note = ("ledger.json is missing" if report.run.ledger is None
                   else "the ledger recorded no requests" if ledger.empty else "")
    recovery_table: Table | None = None
    if not per_fault.empty:
        recovery_table = per_fault_table(per_fault, frames.run_start(report.run) or 0.0)
    figures = watch.figures_of(report)
    report.notes.extend(watch.history_warnings(figures))
    return render(
        "report.html.j2", report=report, status=report.status, counts=report.counts(),
        drain_table=watch.drain_table(figures, frames.run_start(report.run) or 0.0),
        watch=watch.watch_tables(figures),
        figures=figure_rows(key_figures(report)), verdicts=verdict_rows(report),
        plots=plot_list, recovery_table=recovery_table, ledger=frame_table(ledger),
        ledger_note=ledger_note, environment=environment_rows(report),
        stack=stack_rows(report), histories=history_table(report), load=load_rows(report),
    )


def load_rows(report: RunReport) -> list[tuple[str, str]]:
    """The load summary of `harness load` runs, as written; the raw CSVs stay in load/."""
    load = report.results.get("load")
    if not isinstance(load, dict):
        return []
    return [(str(k).replace("_", " "), compact(v)) for k, v in load.items()]


def write_html(report: RunReport, path: Path | None = None) -> Path:
    path = path or report.path / "report.html"
    tmp = path.with_suffix(".html.tmp")
    tmp.write_text(render_report(report), encoding="utf-8")
    tmp.replace(path)
    return path
