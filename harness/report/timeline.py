"""The timeline plot: what the faults did to throughput and latency, on one time axis.

Faults get their own strip (one lane each) above the data, because labels written over
the data collide as soon as a scenario has a few overlapping faults.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from matplotlib.axes import Axes

from harness.report.plots import COLORS, fault_windows, new_figure, shade_faults, style, to_data_uri


def fault_strip(ax: Axes, faults: pd.DataFrame, crashes: pd.Series, t0: float,
                right: float) -> None:
    """One lane per fault (bar inject->heal, diamond if instantaneous), one for crashes."""
    labels = []
    for lane, (text, start, end) in enumerate(fault_windows(faults, t0)):
        if end is None:
            ax.barh(lane, right - start, left=start, height=0.5, color=COLORS["fault"],
                    alpha=0.35, hatch="//", edgecolor=COLORS["fault"], linewidth=0)
            text += " (never healed)"
        elif end - start < 1e-3:
            failed = text.endswith("(inject failed)")
            ax.scatter([start], [lane], marker="D", s=30, zorder=3, edgecolors=COLORS["fault"],
                       facecolors="white" if failed else COLORS["fault"])
        else:
            ax.barh(lane, end - start, left=start, height=0.5, color=COLORS["fault"], alpha=0.7)
        labels.append(text)
    if len(crashes):
        ax.scatter(crashes - t0, [len(labels)] * len(crashes), marker="x", s=40,
                   color=COLORS["crash"], zorder=3)
        labels.append(f"worker crashes ({len(crashes)})")
    ax.set_yticks(range(len(labels)), labels, fontsize=8)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.tick_params(axis="x", labelbottom=False)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.grid(axis="x", color="#eeeeee")


def backlog_panel(ax: Axes, backlog: pd.DataFrame, drains: list[dict[str, Any]],
                  t0: float) -> None:
    """Workflow and activity task backlog over time; each fault's drain as a span from its
    heal to when the backlog was back to its level before the fault."""
    rel = backlog["t"] - t0
    ax.step(rel, backlog["workflow"], where="post", color=COLORS["line"],
            label="workflow tasks")
    ax.step(rel, backlog["activity"], where="post", color=COLORS["info"],
            label="activity tasks")
    top = max(1.0, float(backlog[["workflow", "activity"]].max().max()))
    ax.set_ylim(0, top * 1.45)  # room for the drain labels above the lines
    for lane, d in enumerate(drains):
        healed = float(d["healed"]) - t0
        y = top * (1.12 + 0.14 * (lane % 2))
        if d.get("drained") and d.get("drain_s"):
            end = healed + float(d["drain_s"])
            ax.plot([healed, end], [y, y], color=COLORS["fault"], linewidth=2,
                    solid_capstyle="butt")
            text = f"{d['fault_id']} drained in {float(d['drain_s']):.1f} s"
        elif d.get("drained") is False:
            ax.plot([healed, float(rel.max())], [y, y], color=COLORS["fail"], linewidth=2,
                    linestyle="--")
            text = f"{d['fault_id']} never drained"
        else:
            continue
        # Labels near the right edge grow leftwards, so they stay clear of the legend.
        right = healed > 0.6 * float(rel.max())
        ax.text(healed, y, f"{text} " if right else f" {text}", fontsize=7, va="bottom",
                ha="right" if right else "left", color=COLORS["fault"])
    ax.set_ylabel("task-queue backlog\n(tasks)")
    ax.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)


def timeline_plot(done: pd.DataFrame, faults: pd.DataFrame, crashes: pd.Series,
                  t0: float, backlog: pd.DataFrame | None = None,
                  drains: list[dict[str, Any]] | None = None) -> str | None:
    """Throughput, backlog and latency over time under a fault strip; None when nothing
    ended."""
    if done.empty:
        return None
    rel = done["finished"] - t0
    lanes = sum(1 for _ in fault_windows(faults, t0)) + (1 if len(crashes) else 0)
    right = max([float(rel.max()), *(float(t) - t0 for t in faults["healed"].dropna()),
                 *(float(t) - t0 for t in crashes)])
    width = max(1.0, math.ceil(max(right, 1e-9) / 150))  # at most ~150 bars at any length
    strip = 0.28 * lanes
    sampled = backlog is not None and not backlog.empty
    panels = [2.2, *([1.8] if sampled else []), 2.6]
    fig = new_figure(10, 5.4 + strip + (1.8 if sampled else 0))
    axes = list(fig.subplots(len(panels) + (1 if lanes else 0), 1, sharex=True,
                             height_ratios=[strip, *panels] if lanes else panels))
    if lanes:
        fault_strip(axes.pop(0), faults, crashes, t0, right)
    top, bottom = axes[0], axes[-1]
    if sampled:
        assert backlog is not None
        backlog_panel(axes[1], backlog, drains or [], t0)
    finished = rel[done["outcome"].isin(["ok", "fail"])]
    bins = (finished // width).value_counts().sort_index()
    top.bar(bins.index * width, bins.values / width, width=width, align="edge",
            color=COLORS["line"], alpha=0.85)
    top.set_ylabel(f"completions / s\n({width:g} s bins)")
    for outcome, label in (("ok", "completed"), ("fail", "failed"), ("info", "indeterminate")):
        part = done[done["outcome"] == outcome]
        if len(part):
            bottom.scatter(part["finished"] - t0, part["latency_s"], s=14, alpha=0.8,
                           color=COLORS[outcome], label=f"{label} ({len(part)})")
    bottom.set_ylabel("latency (s, start to result)")
    bottom.set_xlabel("seconds since run start")
    bottom.legend(loc="upper left", fontsize=8, frameon=False)
    for ax in axes:
        style(ax)
        shade_faults(ax, faults, crashes, t0)
    bottom.set_xlim(0, right * 1.02 + width * 0.1)
    return to_data_uri(fig)
