"""Locust's results: final stats from the runner (duck-typed), CSV as the fallback."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

from harness.load.locust_stats import final_stats, summarize, write_final_stats


def entry(name: str, requests: int, failures: int) -> SimpleNamespace:
    return SimpleNamespace(
        method="workflow", name=name, num_requests=requests, num_failures=failures,
        total_rps=requests / 10, median_response_time=200, avg_response_time=250.0,
        max_response_time=900.0, get_response_time_percentile=lambda q: int(q * 1000))


def test_final_stats_and_summary(tmp_path: Path) -> None:
    stats = SimpleNamespace(
        entries={("order_saga", "workflow"): entry("order_saga", 30, 2)},
        total=entry("Aggregated", 30, 2),
        errors={1: SimpleNamespace(name="order_saga", error="killed at stop", occurrences=2)})
    data = final_stats(stats)
    assert data["aggregated"]["requests"] == 30 and data["aggregated"]["p99_ms"] == 990
    write_final_stats(stats, tmp_path)
    summary = summarize(tmp_path)
    assert summary["source"] == "final_stats.json"
    assert summary["failures"] == [{"name": "order_saga", "error": "killed at stop",
                                    "occurrences": 2}]
    assert json.loads((tmp_path / "final_stats.json").read_text())["stats"][0]["name"] == \
        "order_saga"


def test_csv_fallback(tmp_path: Path) -> None:
    (tmp_path / "locust_stats.csv").write_text(
        "Type,Name,Request Count,Failure Count,Median Response Time,Average Response Time,"
        "Min Response Time,Max Response Time,Average Content Size,Requests/s,Failures/s,"
        "50%,66%,75%,80%,90%,95%,98%,99%,99.9%,99.99%,100%\n"
        ",Aggregated,0,0,0,0,0,0,0,0,0,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A,N/A\n")
    summary = summarize(tmp_path)
    assert summary["source"] == "csv"
    assert summary["aggregated"]["requests"] == 0 and summary["aggregated"]["p95_ms"] is None
    assert summarize(tmp_path / "missing")["aggregated"]["requests"] == 0
