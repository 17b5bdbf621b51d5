"""The report's plots as inline PNG data URIs, so report.html opens offline and alone.

Figures are made with the object API on an explicit Agg canvas: no pyplot global
state and no GUI backend, so reports render in CI, threads and headless boxes alike.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterator

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLORS = {"ok": "#2e7d32", "completed": "#2e7d32", "fail": "#c62828", "failed": "#c62828",
          "info": "#ef6c00", "lost": "#757575", "fault": "#7e57c2", "line": "#37474f"}


def new_figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def to_data_uri(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.8)
    ax.set_axisbelow(True)


def fault_windows(faults: pd.DataFrame, t0: float) -> Iterator[tuple[str, float, float | None]]:
    """(label, start, end or None when never healed), relative to t0."""
    for f in faults.to_dict("records"):
        if f["injected"] is None or pd.isna(f["injected"]):
            continue
        end = None if f["healed"] is None or pd.isna(f["healed"]) else f["healed"] - t0
        target = f" @ {f['target']}" if f.get("target") else ""
        yield f"{f['fault_id']} {f['fault']}{target}", f["injected"] - t0, end


def shade_faults(ax: Axes, faults: pd.DataFrame, t0: float, label: bool) -> None:
    for i, (text, start, end) in enumerate(fault_windows(faults, t0)):
        if end is None or end - start < 1e-3:
            ax.axvline(start, color=COLORS["fault"], linestyle="--", linewidth=1.2)
        else:
            ax.axvspan(start, end, color=COLORS["fault"], alpha=0.15, linewidth=0)
        if label:
            ax.annotate(text if end is not None else text + " (no heal)", (start, 1),
                        xycoords=("data", "axes fraction"), xytext=(3, -12 - 11 * (i % 3)),
                        textcoords="offset points", fontsize=8, color=COLORS["fault"])


def timeline_plot(done: pd.DataFrame, faults: pd.DataFrame, t0: float) -> str | None:
    """Throughput and latency over time with fault windows shaded; None when nothing ended."""
    if done.empty:
        return None
    rel = done["finished"] - t0
    span = max(float(rel.max()), 1e-9)
    width = max(1.0, math.ceil(span / 150))  # at most ~150 bars whatever the run length
    fig = new_figure(10, 5.4)
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[1, 1.2])
    finished = rel[done["outcome"].isin(["ok", "fail"])]
    bins = (finished // width).value_counts().sort_index()
    top.bar(bins.index * width, bins.values / width, width=width, align="edge",
            color=COLORS["line"], alpha=0.85)
    top.set_ylabel("completions / s")
    top.set_title(f"Throughput ({width:g} s bins) and latency", loc="left", fontsize=11)
    for outcome, label in (("ok", "completed"), ("fail", "failed"), ("info", "indeterminate")):
        part = done[done["outcome"] == outcome]
        if len(part):
            bottom.scatter(part["finished"] - t0, part["latency_s"], s=14, alpha=0.8,
                           color=COLORS[outcome], label=f"{label} ({len(part)})")
    bottom.set_ylabel("latency (s, start to result)")
    bottom.set_xlabel("seconds since run start")
    bottom.legend(loc="upper left", fontsize=8, frameon=False)
    for ax in (top, bottom):
        style(ax)
        shade_faults(ax, faults, t0, label=ax is top)
    return to_data_uri(fig)


def pick_workflows(attempts: pd.DataFrame, cap: int) -> list[str]:
    """Most interesting first: retried, then failed/lost attempts, then earliest."""
    g = attempts.assign(attempt=pd.to_numeric(attempts["attempt"], errors="coerce").fillna(1),
                        bad=attempts["outcome"] != "completed").groupby("workflow_id")
    rank = pd.DataFrame({"retried": g["attempt"].max() > 1, "bad": g["bad"].sum(),
                         "first": g["start"].min()})
    rank = rank.sort_values(["retried", "bad", "first"], ascending=[False, False, True])
    return list(rank.index[:cap])


def swimlane_plot(attempts: pd.DataFrame, injections: pd.DataFrame, faults: pd.DataFrame,
                  t0: float, cap: int = 40) -> str | None:
    """One lane per workflow, one bar per activity attempt; None when no activity events."""
    if attempts.empty:
        return None
    lanes = pick_workflows(attempts, cap)
    y = {wid: i for i, wid in enumerate(lanes)}
    fig = new_figure(10, 1.6 + 0.28 * len(lanes))
    ax = fig.subplots()
    shown = attempts[attempts["workflow_id"].isin(lanes)]
    for outcome in ("completed", "failed", "lost"):
        part = shown[shown["outcome"] == outcome]
        if part.empty:
            continue
        ax.barh(part["workflow_id"].map(y), (part["end"] - part["start"]).clip(lower=0.01),
                left=part["start"] - t0, height=0.6, color=COLORS[outcome], alpha=0.85,
                edgecolor="white", linewidth=0.5, label=f"{outcome} attempt ({len(part)})")
        if outcome == "lost":  # the attempt never ended: where its worker went away
            ax.scatter(part["end"] - t0, part["workflow_id"].map(y), marker="x", s=40,
                       color="black", zorder=3, label="crash point")
    hits = injections[injections["workflow_id"].isin(lanes)]
    if len(hits):
        ax.scatter(hits["t"] - t0, hits["workflow_id"].map(y), marker="v", s=45, zorder=4,
                   color=COLORS["fault"], label=f"injection ({len(hits)})")
    shade_faults(ax, faults, t0, label=False)
    prefix = _common_prefix(lanes)
    ax.set_yticks(range(len(lanes)), [w[len(prefix):] or w for w in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlabel("seconds since run start")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#eeeeee")
    fig.legend(loc="outside lower center", ncols=5, fontsize=8, frameon=False)
    return to_data_uri(fig)


def _common_prefix(ids: list[str]) -> str:
    """The run-id prefix shared by every workflow id, cut from lane labels."""
    if len(ids) < 2 or "/" not in ids[0]:
        return ""
    head = ids[0].split("/")[0] + "/"
    return head if all(w.startswith(head) for w in ids) else ""


def recovery_plot(per_fault: pd.DataFrame) -> str | None:
    """Recovery seconds per fault type (never-recovered faults marked); None when no faults."""
    if per_fault.empty:
        return None
    kinds = sorted(per_fault["fault"].astype(str).unique())
    fig = new_figure(10, 1.4 + 0.45 * len(kinds))
    ax = fig.subplots()
    seconds = pd.to_numeric(per_fault["seconds"], errors="coerce")
    right = float(seconds.max()) * 1.1 if seconds.notna().any() else 1.0
    never_label = "did not recover"
    for i, kind in enumerate(kinds):
        mine = seconds[per_fault["fault"].astype(str) == kind]
        jitter = [((j * 0.37) % 0.4) - 0.2 for j in range(len(mine))]
        ok = mine.notna().to_numpy()
        ax.scatter(mine[ok], [i + d for d, keep in zip(jitter, ok, strict=True) if keep],
                   s=36, color=COLORS["fault"], alpha=0.8)
        if (~ok).any():
            ax.scatter([right] * int((~ok).sum()), [i] * int((~ok).sum()), marker="x", s=60,
                       color=COLORS["fail"], label=never_label)
            never_label = None
    for q, dash in ((0.5, ":"), (0.95, "--")):
        if seconds.notna().any():
            value = float(seconds.quantile(q))
            ax.axvline(value, color=COLORS["line"], linestyle=dash, linewidth=1,
                       label=f"p{int(q * 100)} {value:.2f} s")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set_ylim(len(kinds) - 0.5, -0.5)
    ax.set_xlim(left=0)
    ax.set_xlabel("recovery seconds")
    style(ax)
    ax.legend(loc="lower right", fontsize=8, frameon=False)
    return to_data_uri(fig)
