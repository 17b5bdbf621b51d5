"""Figures of a stored run: makespan from the journal, latencies from histories."""

from __future__ import annotations

import json
from pathlib import Path

from harness.load.run_figures import run_figures
from harness.runfolder import RunFolder


def event(eid: int, t: str, kind: str, **attrs: object) -> dict:
    return {"eventId": str(eid), "eventTime": f"2026-01-01T00:00:{t}Z",
            "eventType": f"EVENT_TYPE_{kind}", **attrs}


def test_figures(tmp_path: Path) -> None:
    (tmp_path / "histories").mkdir()
    events = [
        event(1, "00.000000000", "WORKFLOW_EXECUTION_STARTED"),
        event(5, "00.100000000", "ACTIVITY_TASK_SCHEDULED"),
        event(6, "00.150000000", "ACTIVITY_TASK_STARTED",
              activityTaskStartedEventAttributes={"scheduledEventId": "5"}),
        event(7, "00.200000000", "ACTIVITY_TASK_COMPLETED",
              activityTaskCompletedEventAttributes={"scheduledEventId": "5"}),
        event(9, "01.000000000", "WORKFLOW_EXECUTION_COMPLETED"),
    ]
    (tmp_path / "histories" / "h.json").write_text(json.dumps({"events": events}))
    (tmp_path / "workflows.json").write_text(json.dumps([
        {"workflow_id": "r/a", "run_id": "x", "history_file": "histories/h.json",
         "parent_id": None}]))
    lines = [{"seq": 1, "t": 100.0, "kind": "client", "op": "start", "type": "invoke"},
             {"seq": 2, "t": 102.0, "kind": "client", "op": "result", "type": "ok"}]
    (tmp_path / "journal.jsonl").write_text("\n".join(json.dumps(x) for x in lines) + "\n")
    figures = run_figures(RunFolder(tmp_path))
    assert figures["makespan_s"] == 2.0 and figures["activities_completed"] == 1
    assert figures["activities_per_s"] == 0.5 and figures["workflows_per_s"] == 0.5
    assert figures["latency_p50_s"] == 1.0 and figures["parent_latency_max_s"] == 1.0
    assert abs(figures["sched_to_start_p50_ms"] - 50.0) < 1e-3  # epoch floats: ~0.1 us
