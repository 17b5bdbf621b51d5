"""Plot plumbing shared by the report's figures, and the recovery-time plot.

Figures are made with the object API on an explicit Agg canvas: no pyplot global state
and no GUI backend, so reports render in CI, threads and headless boxes alike; they are
embedded as PNG data URIs so report.html opens offline and alone.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from harness.evidence.measurements import percentile

COLORS = {"ok": "#2e7d32", "completed": "#2e7d32", "fail": "#c62828", "failed": "#c62828",
          "info": "#ef6c00", "lost": "#757575", "fault": "#7e57c2", "line": "#37474f",
          "crash": "#b71c1c"}


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
        start = f["injected"] - t0
        end = None if f["healed"] is None or pd.isna(f["healed"]) else f["healed"] - t0
        label = f"{f['fault_id']} {f['fault']}"
        if isinstance(f.get("target"), str) and f["target"]:
            label += f" @ {f['target']}"
        if isinstance(f.get("error"), str) and f["error"].startswith("inject failed"):
            label, end = label + " (inject failed)", start  # nothing was broken
        elif isinstance(f.get("error"), str):
            label += " (heal failed)"
        yield label, start, end


def shade_faults(ax: Axes, faults: pd.DataFrame, crashes: pd.Series, t0: float) -> None:
    """Fault windows lightly over the data, instantaneous faults and worker crashes as lines."""
    for label, start, end in fault_windows(faults, t0):
        if label.endswith("(inject failed)"):
            continue
        if end is None or end - start < 1e-3:
            ax.axvline(start, color=COLORS["fault"], linestyle="--", linewidth=1, zorder=3)
        else:
            ax.axvspan(start, end, color=COLORS["fault"], alpha=0.10, linewidth=0, zorder=3)
    for t in crashes:
        ax.axvline(t - t0, color=COLORS["crash"], linestyle=":", linewidth=1, zorder=3)


def recovery_plot(per_fault: pd.DataFrame) -> str | None:
    """Recovery seconds per fault type (never-recovered faults marked); None when no faults."""
    if per_fault.empty:
        return None
    kinds = sorted(per_fault["fault"].astype(str).unique())
    fig = new_figure(10, 1.4 + 0.45 * len(kinds))
    ax = fig.subplots()
    seconds = pd.to_numeric(per_fault["seconds"], errors="coerce")
    right = float(seconds.max()) * 1.1 if seconds.notna().any() else 1.0
    never_label: str | None = "did not recover"
    for i, kind in enumerate(kinds):
        mine = seconds[per_fault["fault"].astype(str) == kind]
        jitter = [0.0] if len(mine) == 1 else [
            -0.2 + 0.4 * j / (len(mine) - 1) for j in range(len(mine))]
        ok = mine.notna().to_numpy()
        ax.scatter(mine[ok], [i + d for d, keep in zip(jitter, ok, strict=True) if keep],
                   s=36, color=COLORS["fault"], alpha=0.8)
        if (~ok).any():
            ax.scatter([right] * int((~ok).sum()), [i] * int((~ok).sum()), marker="x", s=60,
                       color=COLORS["fail"], label=never_label)
            never_label = None
    for q, dash in ((0.5, ":"), (0.95, "--")):
        if seconds.notna().any():
            value = float(percentile(seconds.dropna(), q) or 0.0)
            ax.axvline(value, color=COLORS["line"], linestyle=dash, linewidth=1,
                       label=f"p{int(q * 100)} {value:.2f} s")
    ax.set_yticks(range(len(kinds)), kinds)
    ax.set_ylim(len(kinds) - 0.5, -0.5)
    ax.set_xlim(0, right * 1.05)
    ax.set_xlabel("recovery seconds")
    style(ax)
    fig.legend(loc="outside right upper", fontsize=8, frameon=False)
    return to_data_uri(fig)
