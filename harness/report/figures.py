"""The key figures of a run: counts, throughput, latency and recovery percentiles.

results.json `stats`/`recovery` win when present (they are what the run judged with);
anything missing is derived from the journal, so older runs compare and trend too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from harness.report.frames import completions, faults, started_count
from harness.report.model import RunReport


@dataclass
class KeyFigures:
    workflows: int | None = None
    completed: int | None = None
    failed: int | None = None
    indeterminate: int | None = None
    duration_s: float | None = None
    throughput_wps: float | None = None
    latency_p50_s: float | None = None
    latency_p95_s: float | None = None
    latency_max_s: float | None = None
    faults: int = 0
    recovery_p50_s: float | None = None
    recovery_p95_s: float | None = None
    recovery_max_s: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def quantile(values: pd.Series, q: float) -> float | None:
    values = pd.to_numeric(values, errors="coerce").dropna()
    return float(values.quantile(q)) if len(values) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _hit(table: pd.DataFrame) -> int:
    """Faults that were injected: a failed injection broke nothing."""
    failed = table["error"].astype(str).str.startswith("inject failed")
    return int((~failed).sum())


def derived_figures(report: RunReport) -> KeyFigures:
    """Figures computed from the journal alone."""
    done = completions(report.run)
    figures = KeyFigures(
        workflows=started_count(report.run),
        completed=int((done["outcome"] == "ok").sum()),
        failed=int((done["outcome"] == "fail").sum()),
        indeterminate=int((done["outcome"] == "info").sum()),
        faults=_hit(faults(report.run)),
    )
    finished = done[done["outcome"].isin(["ok", "fail"])]
    if len(finished):
        first = finished["started"].min()
        first = finished["finished"].min() if pd.isna(first) else first
        span = float(finished["finished"].max() - first)
        figures.duration_s = round(span, 3)
        figures.throughput_wps = round(len(finished) / span, 3) if span > 0 else None
        latency = finished["latency_s"]
        figures.latency_p50_s = quantile(latency, 0.5)
        figures.latency_p95_s = quantile(latency, 0.95)
        figures.latency_max_s = quantile(latency, 1.0)
    return figures


def recovery_seconds(report: RunReport) -> list[float | None]:
    recovery = report.results.get("recovery")
    per_fault = recovery.get("per_fault") if isinstance(recovery, dict) else None
    if not isinstance(per_fault, list):
        return []
    return [_number(f.get("seconds")) if isinstance(f, dict) else None for f in per_fault]


def key_figures(report: RunReport) -> KeyFigures:
    figures = derived_figures(report)
    stats = report.results.get("stats")
    if isinstance(stats, dict):
        for name in ("workflows", "completed", "failed", "indeterminate"):
            if isinstance(stats.get(name), int):
                setattr(figures, name, stats[name])
        for name in ("duration_s", "throughput_wps", "latency_p50_s", "latency_p95_s",
                     "latency_max_s"):
            if _number(stats.get(name)) is not None:
                setattr(figures, name, _number(stats[name]))
    recovery = report.results.get("recovery")
    if isinstance(recovery, dict):
        seconds = pd.Series([s for s in recovery_seconds(report) if s is not None], dtype=float)
        figures.faults = max(figures.faults, len(recovery_seconds(report)))
        for name, q in (("p50", 0.5), ("p95", 0.95), ("max", 1.0)):
            stored = _number(recovery.get(name))
            value = stored if stored is not None else quantile(seconds, q)
            setattr(figures, f"recovery_{name}_s", value)
    return figures


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} wf/s"
