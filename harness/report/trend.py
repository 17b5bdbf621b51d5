"""trend.html: how a series of runs (e.g. nightly) moves over time, on one offline page.

A nightly reader asks "is each scenario still green, and is it getting slower?", so runs
are grouped by scenario with a verdict history per scenario. Runs that are meant to fail
or that measure the harness itself are left out of the history and the plots and listed
apart: a selftest's mutant runs (a workload version named `mutant-...`) and the reference
runs beside them, and a benchmark's runs. Folders whose name starts with a dot (the
stack's state, `.internal/`) are not searched.

One broken or half-written run folder must not hide a month of others, so each run is
loaded on its own and a run that cannot be read becomes a row with a note.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from matplotlib.figure import Figure

from harness.errors import UsageError
from harness.report.figures import fmt_rate, fmt_seconds, key_figures
from harness.report.html import render
from harness.report.model import load_report
from harness.report.plots import COLORS, new_figure, style, to_data_uri

SKIP_DIRS = {"histories", "workers", "load"}
# Folders made by `harness selftest` and `harness bench` (and certify's selftest part).
INTERNAL_PREFIXES = {"selftest": "selftest", "bench-": "benchmark"}


def find_runs(root: Path) -> list[Path]:
    """Run folders under `root` (the folders holding meta.json or results.json)."""
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder of run folders")
    found = set()
    for name in ("meta.json", "results.json"):
        for path in root.rglob(name):
            parts = path.relative_to(root).parts[:-1]
            if not SKIP_DIRS.intersection(parts) and not any(p.startswith(".") for p in parts):
                found.add(path.parent)
    return sorted(found)


def left_out_because(root: Path, path: Path) -> str:
    """Why a run stays out of the trend ("" when it belongs in it): a mutant meant to fail,
    a selftest's reference run, a benchmark's run."""
    versions: list[str] = []
    with contextlib.suppress(Exception):
        scenario = yaml.safe_load((path / "scenario.yaml").read_text(encoding="utf-8")) or {}
        versions = [str(w.get("version")) for w in scenario.get("workloads") or []]
        versions += [str(v) for v in ((scenario.get("workers") or {}).get("version") or {})
                     .values()]
    mutants = sorted({v for v in versions if v.startswith("mutant-")})
    if mutants:
        return f"mutant run ({', '.join(mutants)}): meant to fail"
    for part in path.relative_to(root).parts[:-1]:
        for prefix, what in INTERNAL_PREFIXES.items():
            if part.startswith(prefix):
                return f"{what} run ({part})"
    return ""


def trend_frame(root: Path, out_dir: Path | None = None) -> pd.DataFrame:
    """One row per run, ordered by start time; `link` is its report relative to out_dir."""
    rows: list[dict[str, Any]] = []
    for path in find_runs(root):
        row: dict[str, Any] = {"path": path, "run_id": path.name, "note": "",
                               "left_out": left_out_because(root, path)}
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


def trend_figure(frame: pd.DataFrame) -> Figure:
    """Verdict counts, throughput, p95 latency and p95 recovery per run, in run order; one
    line per scenario, named in one legend beside the plots, never over them."""
    fig = new_figure(12, 6.5)
    axes = fig.subplots(2, 2, sharex=True).ravel()
    x = range(len(frame))
    bottom = pd.Series(0, index=frame.index)
    for status, color in (("pass", COLORS["ok"]), ("unknown", COLORS["info"]),
                          ("fail", COLORS["fail"])):
        counts = frame.get(status, pd.Series(0, index=frame.index)).fillna(0)
        axes[0].bar(x, counts, bottom=bottom, color=color, label=f"checks {status}",
                    width=0.7)
        bottom = bottom + counts
    axes[0].set_title("verdicts per run", loc="left", fontsize=10)
    scenarios = frame.get("scenario", pd.Series("run", index=frame.index)).fillna("?")
    for ax, col, title in ((axes[1], "throughput_wps", "throughput (wf/s)"),
                           (axes[2], "latency_p95_s", "latency p95 (s)"),
                           (axes[3], "recovery_p95_s", "recovery p95 (s)")):
        for scenario, part in frame.groupby(scenarios):
            values = pd.to_numeric(part.get(col), errors="coerce")
            if values.isna().all():
                continue
            ax.plot(part.index, values, marker="o", markersize=4, label=str(scenario))
        ax.set_title(title, loc="left", fontsize=10)
    handles: dict[str, Any] = {}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            handles.setdefault(label, handle)
    if handles:
        fig.legend(list(handles.values()), list(handles), loc="outside right upper",
                   fontsize=8, frameon=False)
    step = max(1, len(frame) // 12)
    labels = [(r.started.strftime("%m-%d %H:%M") if pd.notna(r.started) else r.run_id[-15:])
              for r in frame.itertuples()]
    for ax in axes:
        style(ax)
        ax.set_xticks(list(x)[::step], labels[::step], rotation=30, ha="right", fontsize=8)
    return fig


def trend_plot(frame: pd.DataFrame) -> str:
    return to_data_uri(trend_figure(frame))


def scenario_history(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Per scenario, oldest first: its runs' verdicts (with links) and the latest figures."""
    groups = []
    names = frame.get("scenario", pd.Series("?", index=frame.index)).fillna("?")
    for scenario, part in frame.groupby(names, sort=True):
        runs = [{"status": r.get("status") or "unknown", "link": r["link"],
                 "run_id": r["run_id"], "started": _started(r)}
                for r in part.to_dict("records")]
        last = part.iloc[-1]
        passed = sum(1 for r in runs if r["status"] == "pass")
        groups.append({"scenario": str(scenario), "runs": runs, "last": runs[-1]["status"],
                       "passed": f"{passed} of {len(runs)}",
                       "throughput": fmt_rate(_num(last.get("throughput_wps"))),
                       "latency": fmt_seconds(_num(last.get("latency_p95_s"))),
                       "recovery": fmt_seconds(_num(last.get("recovery_p95_s")))})
    return groups


def write_trend(root: Path, out: Path | None = None) -> Path:
    out = out or root / "trend.html"
    frame = trend_frame(root, out.parent)
    kept = frame[frame["left_out"] == ""] if len(frame) else frame
    apart = frame[frame["left_out"] != ""] if len(frame) else frame
    rows = []
    for r in kept.to_dict("records"):
        rows.append({"run_id": r["run_id"], "link": r["link"], "status": r.get("status"),
                     "scenario": r.get("scenario") or "", "started": _started(r),
                     "counts": f"{r.get('pass', 0):.0f} / {r.get('fail', 0):.0f} / "
                               f"{r.get('unknown', 0):.0f}" if "pass" in r else "",
                     "throughput": fmt_rate(_num(r.get("throughput_wps"))),
                     "latency": fmt_seconds(_num(r.get("latency_p95_s"))),
                     "recovery": fmt_seconds(_num(r.get("recovery_p95_s"))),
                     "note": r.get("note") or ""})
    left_out = [{"run_id": r["run_id"], "link": r["link"], "status": r.get("status"),
                 "scenario": r.get("scenario") or "", "why": r["left_out"]}
                for r in apart.to_dict("records")]
    kept = kept.reset_index(drop=True)
    html = render("trend.html.j2", root=root.name or str(root), rows=rows,
                  scenarios=scenario_history(kept) if len(kept) else [], left_out=left_out,
                  plot=trend_plot(kept) if len(kept) else None)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(html, encoding="utf-8")
    return out


def _started(row: dict[str, Any]) -> str:
    started = row.get("started")
    return "" if started is None or pd.isna(started) else \
        started.strftime("%Y-%m-%d %H:%M UTC")


def _first(notes: list[str]) -> str:
    if not notes:
        return ""
    return notes[0] + (f" (+{len(notes) - 1} more notes)" if len(notes) > 1 else "")


def _num(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
