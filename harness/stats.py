"""Run statistics from the journal: how many workflows, how fast, how long they took."""

from __future__ import annotations

from typing import Any

from harness.faults.recovery import percentile
from harness.runfolder import RunFolder


def run_stats(run: RunFolder) -> dict[str, Any]:
    starts: dict[str, float] = {}
    ends: dict[str, tuple[float, str]] = {}
    t0 = t1 = None
    for e in run.journal:
        if e.get("kind") == "run" and e.get("type") == "start":
            t0 = e["t"]
        if e.get("kind") == "run" and e.get("type") == "driven":
            t1 = e["t"]
        if e.get("kind") != "client":
            continue
        wid = e["workflow_id"]
        if e["op"] == "start" and e["type"] == "invoke":
            starts.setdefault(wid, e["t"])
        elif e["op"] == "result" and e["type"] in ("ok", "fail"):
            ends[wid] = (e["t"], e["type"])
    latencies = [t - starts[w] for w, (t, _) in ends.items() if w in starts]
    duration = (t1 - t0) if t0 is not None and t1 is not None else None
    return {
        "workflows": len(starts),
        "completed": sum(1 for _, kind in ends.values() if kind == "ok"),
        "failed": sum(1 for _, kind in ends.values() if kind == "fail"),
        "duration_s": round(duration, 3) if duration else None,
        "throughput_wps": round(len(ends) / duration, 3) if duration else None,
        "latency_p50_s": percentile(latencies, 0.5),
        "latency_p95_s": percentile(latencies, 0.95),
        "latency_max_s": round(max(latencies), 3) if latencies else None,
    }
