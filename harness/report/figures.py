"""The key figures of a run: counts, throughput, latency and recovery percentiles.

All come from harness.evidence.measurements, the module checks and certify use too, so a
report never contradicts a verdict. results.json `stats`/`recovery` win when present.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from harness.evidence.measurements import recovery, run_stats
from harness.report.frames import faults
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


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _hit(table: pd.DataFrame) -> int:
    """Faults that were injected: a failed injection broke nothing."""
    failed = table["error"].astype(str).str.startswith("inject failed")
    return int((~failed).sum())


def derived_figures(report: RunReport) -> KeyFigures:
    """Figures computed from the stored files alone (harness.evidence.measurements)."""
    stats = run_stats(report.run)
    measured = recovery(report.run).to_json()
    return KeyFigures(
        workflows=stats["workflows"], completed=stats["completed"], failed=stats["failed"],
        indeterminate=stats["indeterminate"], duration_s=stats["duration_s"],
        throughput_wps=stats["throughput_wps"], latency_p50_s=stats["latency_p50_s"],
        latency_p95_s=stats["latency_p95_s"], latency_max_s=stats["latency_max_s"],
        faults=_hit(faults(report.run)), recovery_p50_s=measured["p50"],
        recovery_p95_s=measured["p95"], recovery_max_s=measured["max"])


def recovery_seconds(report: RunReport) -> list[float | None]:
    recovery = report.results.get("recovery")
    per_fault = recovery.get("per_fault") if isinstance(recovery, dict) else None
    if not isinstance(per_fault, list):
        return []
    return [_number(f.get("seconds")) if isinstance(f, dict) else None for f in per_fault
            if not (isinstance(f, dict) and f.get("landed_on_nothing"))]


def key_figures(report: RunReport) -> KeyFigures:
    """results.json's figures win (they are what the run judged with); older runs without
    them get the same figures derived from their files."""
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
    stored = report.results.get("recovery")
    if isinstance(stored, dict):
        figures.faults = max(figures.faults, len(recovery_seconds(report)))
        for name in ("p50", "p95", "max"):
            if name in stored:
                setattr(figures, f"recovery_{name}_s", _number(stored.get(name)))
    return figures


def fmt_seconds(value: float | None) -> str:
    if value is None:
        return "n/a"
    if value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} s" if value < 100 else f"{value:.0f} s"


def fmt_rate(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f} wf/s"
