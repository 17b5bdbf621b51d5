"""The sweep's plots (matplotlib, Agg backend: no display, safe in CI and subprocesses)."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402 - the backend must be chosen first
import pandas as pd  # noqa: E402


def _by_workers(frame: pd.DataFrame) -> list[tuple[int, pd.DataFrame]]:
    return list(frame.sort_values("activities_total").groupby("workers"))


def _save(fig: plt.Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def plot_sweep(frame: pd.DataFrame, out: Path) -> list[Path]:
    paths = []
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for workers, group in _by_workers(frame):
        axes[0].plot(group["activities_total"], group["activities_per_s"], "o-",
                     label=f"{workers} worker(s)")
        axes[1].plot(group["activities_total"], group["workflows_per_s"], "o-",
                     label=f"{workers} worker(s)")
    for ax, what in zip(axes, ("activities/s", "workflows/s"), strict=True):
        ax.set_xscale("log")
        ax.set_xlabel("activities per point (children x activities x parents)")
        ax.set_ylabel(what)
        ax.set_title(f"throughput: {what}")
        ax.grid(alpha=0.3)
        ax.legend()
    paths.append(_save(fig, out / "throughput.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    styles = {"p50": "-", "p95": "--", "p99": ":"}
    for workers, group in _by_workers(frame):
        for q, style in styles.items():
            axes[0].plot(group["activities_total"], group[f"latency_{q}_s"], style, marker="o",
                         label=f"{q}, {workers}w")
            axes[1].plot(group["activities_total"], group[f"sched_to_start_{q}_ms"], style,
                         marker="o", label=f"{q}, {workers}w")
    axes[0].set_ylabel("workflow start-to-complete (s)")
    axes[1].set_ylabel("activity schedule-to-start (ms)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("activities per point")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_title("latency percentiles")
    axes[1].set_title("schedule-to-start percentiles")
    paths.append(_save(fig, out / "latency.png"))

    fig, ax = plt.subplots(figsize=(6, 4))
    for shape, group in frame.sort_values("workers").groupby("shape", sort=False):
        ax.plot(group["workers"], group["efficiency"], "o-", label=shape)
    ax.axhline(1.0, color="grey", lw=0.8)
    ax.set_xlabel("workers")
    ax.set_ylabel("activities/s per worker vs fewest workers")
    ax.set_title("scaling efficiency")
    ax.grid(alpha=0.3)
    ax.legend()
    paths.append(_save(fig, out / "efficiency.png"))

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for workers, group in _by_workers(frame):
        axes[0].plot(group["activities_total"], group["worker_cpu_cores"], "o-",
                     label=f"workers, {workers}w")
        axes[0].plot(group["activities_total"], group["server_cpu_cores"], "x--",
                     label=f"server, {workers}w")
        axes[1].plot(group["activities_total"], group["worker_rss_peak_mb"], "o-",
                     label=f"{workers} worker(s)")
    axes[0].set_ylabel("CPU cores (mean while driving)")
    axes[1].set_ylabel("worker RSS peak, all workers (MB)")
    for ax in axes:
        ax.set_xscale("log")
        ax.set_xlabel("activities per point")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    paths.append(_save(fig, out / "resources.png"))
    paths.append(plot_time_spent(frame, out))
    return paths


def plot_time_spent(frame: pd.DataFrame, out: Path) -> Path:
    """Per point: CPU seconds by process group, wall seconds by run phase, and the SDK's
    time executing versus waiting in queues (stacked bars, one bar per point)."""
    labels = [f"{r.shape} w{r.workers}" for r in frame.itertuples()]
    panels = (
        ("CPU seconds", {"server": "cpu_server_s", "workers": "cpu_workers_s",
                         "harness": "cpu_harness_s"}),
        ("wall seconds by phase", {p: f"wall_{p}_s" for p in
                                   ("workers", "driving", "collecting", "judging", "reporting")}),
        ("SDK seconds (all workers)", {"activity exec": "sdk_activity_exec_s",
                                       "activity wait": "sdk_activity_wait_s",
                                       "workflow task exec": "sdk_wft_exec_s",
                                       "workflow task wait": "sdk_wft_wait_s"}),
    )
    fig, axes = plt.subplots(1, 3, figsize=(15, max(3.0, 0.5 * len(labels) + 2)))
    for ax, (title, columns) in zip(axes, panels, strict=True):
        left = [0.0] * len(labels)
        for name, column in columns.items():
            values = [float(v) if v == v and v is not None else 0.0  # NaN -> 0
                      for v in (frame[column] if column in frame else [0.0] * len(labels))]
            ax.barh(labels, values, left=left, label=name)
            left = [a + b for a, b in zip(left, values, strict=True)]
        ax.set_title(title)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7)
    fig.suptitle("where the time went")
    return _save(fig, out / "where_time_went.png")
