"""trend.html: how a series of runs (e.g. nightly) moves over time, on one offline page.

One broken or half-written run folder must not hide a month of others, so each run is
loaded on its own and a run that cannot be read becomes a row with a note.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pandas as pd

from harness.errors import UsageError
from harness.report.figures import fmt_rate, fmt_seconds, key_figures
from harness.report.html import render
from harness.report.model import load_report
from harness.report.plots import COLORS, new_figure, style, to_data_uri

SKIP_DIRS = {"histories", "workers", "load", ".stack"}


def find_runs(root: Path) -> list[Path]:
    """Run folders under `root` (the folders holding meta.json or results.json)."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder of run folders")
    found = set()
    for name in ("meta.json", "results.json"):
        for path in root.rglob(name):
            if not SKIP_DIRS.intersection(path.relative_to(root).parts):
                found.add(path.parent)
    return sorted(found)


def trend_frame(root: Path, out_dir: Path | None = None) -> pd.DataFrame:
    """One row per run, ordered by start time; `link` is its report relative to out_dir."""
    rows: list[dict[str, Any]] = []
    for path in find_runs(root):
        row: dict[str, Any] = {"path": path, "run_id": path.name, "note": ""}
        try:
            report = load_report(path)
            fig = key_figures(report)
            row.update(run_id=report.run_id, scenario=report.scenario, status=report.status,
                       started_at=report.meta.get("started_at"), **report.counts(),
                       throughput_wps=fig.throughput_wps, latency_p95_s=fig.latency_p95_s,
                       recovery_p95_s=fig.recovery_p95_s, note=_first(report.notes))
        except Exception as err:  # one unreadable run must not sink the whole page
            row.update(status="unknown", note=f"could not be read: {err}")
        row["link"] = os.path.relpath(path / "report.html", out_dir or root).replace(os.sep, "/")
        rows.append(row)
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["started"] = pd.to_datetime(frame.get("started_at"), utc=True, errors="coerce",
                                      format="ISO8601")
    return frame.sort_values(["started", "run_id"], na_position="first").reset_index(drop=True)


def trend_plot(frame: pd.DataFrame) -> str:
    """Verdict counts, throughput, p95 latency and p95 recovery per run, in run order."""
    fig = new_figure(11, 6.5)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    x = range(len(frame))
    bottom = pd.Series(0, index=frame.index)
    for status, color in (("pass", COLORS["ok"]), ("unknown", COLORS["info"]),
                          ("fail", COLORS["fail"])):
        counts = frame.get(status, pd.Series(0, index=frame.index)).fillna(0)
        axes[0].bar(x, counts, bottom=bottom, color=color, label=status, width=0.7)
        bottom = bottom + counts
    axes[0].set_ylim(0, float(bottom.max()) * 1.4 + 0.5)  # headroom for the legend
    axes[0].set_title("verdicts", loc="left", fontsize=10)
    axes[0].legend(fontsize=8, frameon=False, ncols=3)
    for ax, col, title in ((axes[1], "throughput_wps", "throughput (wf/s)"),
                           (axes[2], "latency_p95_s", "latency p95 (s)"),
                           (axes[3], "recovery_p95_s", "recovery p95 (s)")):
        for scenario, part in frame.groupby(frame.get("scenario", "run").fillna("?")):
            values = pd.to_numeric(part.get(col), errors="coerce")
            if values.isna().all():
                continue
            ax.plot(part.index, values, marker="o", markersize=4, label=str(scenario))
        ax.set_title(title, loc="left", fontsize=10)
    if frame.get("scenario") is not None and frame["scenario"].nunique() > 1:
        axes[1].legend(fontsize=8, frameon=False)
    step = max(1, len(frame) // 12)
    labels = [(r.started.strftime("%m-%d %H:%M") if pd.notna(r.started) else r.run_id[-15:])
              for r in frame.itertuples()]
    for ax in axes:
        style(ax)
        ax.set_xticks(list(x)[::step], labels[::step], rotation=30, ha="right", fontsize=8)
    return to_data_uri(fig)


def write_trend(root: Path, out: Path | None = None) -> Path:
    out = out or root / "trend.html"
    frame = trend_frame(root, out.parent)
    rows = []
    for r in frame.to_dict("records"):
        rows.append({"run_id": r["run_id"], "link": r["link"], "status": r.get("status"),
                     "scenario": r.get("scenario") or "",
                     "started": "" if pd.isna(r["started"]) else
                     r["started"].strftime("%Y-%m-%d %H:%M UTC"),
                     "counts": f"{r.get('pass', 0):.0f} / {r.get('fail', 0):.0f} / "
                               f"{r.get('unknown', 0):.0f}" if "pass" in r else "",
                     "throughput": fmt_rate(_num(r.get("throughput_wps"))),
                     "latency": fmt_seconds(_num(r.get("latency_p95_s"))),
                     "recovery": fmt_seconds(_num(r.get("recovery_p95_s"))),
                     "note": r.get("note") or ""})
    html = render("trend.html.j2", root=root.name or str(root), rows=rows,
                  plot=trend_plot(frame) if len(frame) else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def _first(notes: list[str]) -> str:
    if not notes:
        return ""
    return notes[0] + (f" (+{len(notes) - 1} more notes)" if len(notes) > 1 else "")


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
