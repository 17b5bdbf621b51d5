"""The activity swimlane: per workflow, every activity attempt as a bar, crashes marked.

Only the last attempt of an activity survives in a Temporal history; the workers'
activity event files keep all of them, which is what an on-call engineer needs to see
where retries, crashes and injected faults landed.
"""

from __future__ import annotations

import pandas as pd

from harness.report.plots import COLORS, new_figure, shade_faults, to_data_uri


def pick_workflows(attempts: pd.DataFrame, cap: int) -> list[str]:
    """Most interesting first: retried, then failed/lost attempts, then earliest."""
    g = attempts.assign(attempt=pd.to_numeric(attempts["attempt"], errors="coerce").fillna(1),
                        bad=attempts["outcome"] != "completed").groupby("workflow_id")
    rank = pd.DataFrame({"retried": g["attempt"].max() > 1, "bad": g["bad"].sum(),
                         "first": g["start"].min()})
    rank = rank.sort_values(["retried", "bad", "first"], ascending=[False, False, True])
    return list(rank.index[:cap])


def common_prefix(ids: list[str]) -> str:
    """The run-id prefix every workflow id shares, cut from lane labels."""
    if not ids or "/" not in ids[0]:
        return ""
    head = ids[0].split("/")[0] + "/"
    return head if all(w.startswith(head) for w in ids) else ""


def swimlane_plot(attempts: pd.DataFrame, injections: pd.DataFrame, faults: pd.DataFrame,
                  crashes: pd.Series, t0: float, cap: int = 40) -> str | None:
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
                       color="black", zorder=4, label="crash point")
    hits = injections[injections["workflow_id"].isin(lanes)]
    if len(hits):
        ax.scatter(hits["t"] - t0, hits["workflow_id"].map(y), marker="v", s=45, zorder=5,
                   color=COLORS["fault"], label=f"injection ({len(hits)})")
    shade_faults(ax, faults, crashes, t0)
    prefix = common_prefix(lanes)
    ax.set_yticks(range(len(lanes)), [w[len(prefix):] or w for w in lanes], fontsize=8)
    ax.set_ylim(len(lanes) - 0.4, -0.6)
    ax.set_xlim(left=0)
    ax.set_xlabel("seconds since run start")
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="x", color="#eeeeee")
    fig.legend(loc="outside lower center", ncols=5, fontsize=8, frameon=False)
    return to_data_uri(fig)
