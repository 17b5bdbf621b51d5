"""Locust's results as plain dicts: what `harness load` prints and summary.json holds.

`final_stats.json` is written by the locustfile from the runner's stats after the runner
quit, so it holds every request (the periodic CSVs can lag the end by up to a second).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

CSV_PREFIX = "locust"
FINAL_STATS = "final_stats.json"


def _row(entry: Any, name: str | None = None) -> dict[str, Any]:
    requests = int(entry.num_requests)
    return {
        "type": entry.method or "", "name": name or entry.name, "requests": requests,
        "failures": int(entry.num_failures), "rps": round(float(entry.total_rps), 3),
        "p50_ms": entry.median_response_time if requests else None,
        "mean_ms": round(float(entry.avg_response_time), 1) if requests else None,
        "p95_ms": entry.get_response_time_percentile(0.95) if requests else None,
        "p99_ms": entry.get_response_time_percentile(0.99) if requests else None,
        "max_ms": round(float(entry.max_response_time), 1) if requests else None,
    }


def final_stats(stats: Any) -> dict[str, Any]:
    """From a locust RequestStats (duck-typed: this module never imports locust)."""
    rows = [_row(e) for _, e in sorted(stats.entries.items())]
    rows.append(_row(stats.total, "Aggregated"))
    failures = [{"name": e.name, "error": str(e.error), "occurrences": int(e.occurrences)}
                for e in stats.errors.values()]
    return {"stats": rows, "aggregated": rows[-1], "failures": failures}


def write_final_stats(stats: Any, load_dir: Path) -> Path:
    path = load_dir / FINAL_STATS
    path.write_text(json.dumps(final_stats(stats), indent=2), encoding="utf-8")
    return path


def summarize(load_dir: Path) -> dict[str, Any]:
    """Final stats when Locust wrote them, else what its last CSVs say."""
    path = load_dir / FINAL_STATS
    if path.exists():
        return dict(json.loads(path.read_text(encoding="utf-8")), source=FINAL_STATS)
    rows = read_csv_stats(load_dir)
    agg = next((r for r in rows if r["name"] == "Aggregated"),
               {"name": "Aggregated", "requests": 0, "failures": 0})
    return {"stats": rows, "aggregated": agg, "failures": read_csv_failures(load_dir),
            "source": "csv"}


_NUMBERS = {
    "Request Count": "requests", "Failure Count": "failures", "Requests/s": "rps",
    "Median Response Time": "p50_ms", "Average Response Time": "mean_ms", "95%": "p95_ms",
    "99%": "p99_ms", "Max Response Time": "max_ms",
}


def _number(text: str | None) -> float | None:
    try:
        return float(text or "")
    except ValueError:
        return None  # Locust writes "N/A" for percentiles of zero requests


def read_csv_stats(load_dir: Path) -> list[dict[str, Any]]:
    path = load_dir / f"{CSV_PREFIX}_stats.csv"
    if not path.exists():
        return []
    rows = []
    with path.open(newline="", encoding="utf-8") as f:
        for raw in csv.DictReader(f):
            row: dict[str, Any] = {"type": raw.get("Type", ""), "name": raw.get("Name", "")}
            for column, key in _NUMBERS.items():
                row[key] = _number(raw.get(column))
            row["requests"], row["failures"] = int(row["requests"] or 0), int(row["failures"] or 0)
            rows.append(row)
    return rows


def read_csv_failures(load_dir: Path) -> list[dict[str, Any]]:
    path = load_dir / f"{CSV_PREFIX}_failures.csv"
    if not path.exists():
        return []
    with path.open(newline="", encoding="utf-8") as f:
        return [{"name": r.get("Name", ""), "error": r.get("Error", ""),
                 "occurrences": int(r.get("Occurrences") or 0)} for r in csv.DictReader(f)]
