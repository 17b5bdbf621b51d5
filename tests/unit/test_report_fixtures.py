"""Synthetic run folders for report tests: no stack, just the files docs/run-folder.md lists.

Shared by the unit tests and the browser test; the tests here keep the fixture honest.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.report.schema import validate_results

T0 = 1_800_000_000.0


def _write(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")


def make_run(root: Path, run_id: str = "fixture-20260101T000000", *, faults: bool = True,
             activities: bool = True, ledger: bool = True, results: bool = True,
             slow: float = 1.0, spacing: float = 0.6, verdicts: dict[str, str] | None = None,
             started_at: str = "2026-01-01T00:00:00+00:00", workflows: int = 30,
             backlog: bool = False) -> Path:
    """A run folder with `workflows` orders over ~20 s, optional faults/activities/ledger.

    `slow` stretches latencies and recoveries, `spacing` (seconds between starts) sets the
    throughput, for planted regressions; `verdicts` maps check -> status.
    """
    path = root / run_id
    verdicts = verdicts or {"liveness": "pass", "idempotency": "fail", "resume": "unknown"}
    journal: list[dict[str, Any]] = []

    def entry(t: float, kind: str, **fields: Any) -> None:
        journal.append({"seq": len(journal) + 1, "t": T0 + t, "kind": kind, **fields})

    entry(0.0, "run", type="start", run_id=run_id, seed=7, scenario="fixture")
    entry(0.1, "worker", type="start", identity="worker-1.1", pid=10)
    records, events = [], []
    for i in range(workflows):
        wid, start = f"{run_id}/order_saga-{i}", 1.0 + i * spacing
        end = start + slow * (0.8 + (i % 5) * 0.3)
        outcome = "fail" if i % 7 == 3 else "ok"
        entry(start, "client", op="start", type="invoke", workflow_id=wid,
              workload="order_saga", workflow_type="OrderSaga", expect="COMPLETED")
        entry(start + 0.01, "client", op="start", type="ok", workflow_id=wid)
        entry(end, "client", op="result", type="info" if i == 29 else outcome, workflow_id=wid)
        history = f"histories/{wid.replace('/', '__')}__run-{i}.json"
        records.append({"workflow_id": wid, "run_id": f"run-{i}", "workflow_type": "OrderSaga",
                        "status": "FAILED" if outcome == "fail" else "COMPLETED",
                        "history_file": history, "history_length": 20 + i})
        if i < 5:
            _write(path / history, {"events": []})
        for step, act in enumerate(("reserve", "charge", "ship")):
            retries = 2 if i % 4 == 1 and act == "charge" else 1
            t = start + 0.1 + step * 0.2
            for attempt in range(1, retries + 1):
                base = {"identity": "worker-1.1", "workflow_id": wid, "workflow_run_id": f"run-{i}",
                        "activity_id": str(step + 1), "activity_type": act, "attempt": attempt}
                events.append({"t": T0 + t, "event": "started", **base})
                if i == 9 and act == "ship":
                    continue  # the worker died mid-attempt: a lost attempt
                last = attempt == retries
                events.append({"t": T0 + t + 0.15, "event": "completed" if last else "failed",
                               **base, **({} if last else {"error": "injected crash"})})
                if not last:
                    events.append({"t": T0 + t + 0.05, "event": "injected", **base,
                                   "injection": "aimed_crash"})
                t += 0.2
    if faults:
        entry(7.0, "fault", type="inject", fault="worker_kill", fault_id="f1",
              target="worker-1.1", params={"signal": "SIGKILL"})
        entry(7.0, "worker", type="kill", identity="worker-1.1", pid=10, signal="SIGKILL")
        entry(9.0, "fault", type="heal", fault="worker_kill", fault_id="f1", target="worker-1.1")
        entry(12.0, "fault", type="inject", fault="partition", fault_id="f2",
              target="temporal", params={})
        entry(14.0, "fault", type="heal", fault="partition", fault_id="f2", target="temporal")
        entry(16.0, "fault", type="inject", fault="server_restart", fault_id="f3",
              target="temporal", params={})
        entry(16.0, "fault", type="heal", fault="server_restart", fault_id="f3",
              target="temporal")
        entry(18.0, "fault", type="inject", fault="network", fault_id="f4",
              error="ToxiproxyError('proxy not found at http://127.0.0.1:8474')")
        entry(10.0, "worker", type="crash", identity="worker-1.2", pid=11, exit_code=-9)
    entry(40.0, "run", type="end")
    journal.sort(key=lambda e: (e["t"], e["seq"]))
    for seq, e in enumerate(journal, 1):
        e["seq"] = seq
    path.mkdir(parents=True, exist_ok=True)
    (path / "journal.jsonl").write_text("".join(json.dumps(e) + "\n" for e in journal))
    _write(path / "workflows.json", records)
    _write(path / "meta.json", {
        "run_id": run_id, "scenario": "fixture", "seed": 7, "started_at": started_at,
        "finished_at": "2026-01-01T00:00:40+00:00",
        "stack": {"temporal": "127.0.0.1:7233", "services": "http://127.0.0.1:8080"},
        "environment": {"harness_version": "0.1.0", "python": "3.11.7", "machine": "test"}})
    (path / "scenario.yaml").write_text("name: fixture\n")
    if activities:
        lines = "".join(json.dumps(e) + "\n" for e in events)
        (path / "workers").mkdir(exist_ok=True)
        (path / "workers" / "worker-1.1.activities.jsonl").write_text(lines + '{"torn')
    if ledger:
        attempts = [{"seq": 1, "t": T0 + 1, "service": "payments", "op": "charge", "key": "k1",
                     "ref": "w/charge", "workflow_id": "w", "outcome": "applied"},
                    {"seq": 2, "t": T0 + 2, "service": "payments", "op": "charge", "key": "k1",
                     "ref": "w/charge", "workflow_id": "w", "outcome": "duplicate"},
                    {"seq": 3, "t": T0 + 3, "service": "payments", "op": "refund", "key": "k2",
                     "ref": "w/refund", "workflow_id": "w", "outcome": "noop"},
                    {"seq": 4, "t": T0 + 4, "service": "shipping", "op": "ship", "key": "k3",
                     "ref": "w/ship", "workflow_id": "w", "outcome": "rejected"}]
        effects = [{"seq": 1, "t": T0 + 1, "service": "payments", "op": "charge", "key": "k1"}]
        _write(path / "ledger.json", {"attempts": attempts, "effects": effects, "callbacks": []})
    if backlog:
        (path / "backlog.jsonl").write_text("".join(
            json.dumps(line) + "\n" for line in backlog_samples()))
    if results:
        _write(path / "results.json", results_for(run_id, verdicts, faults, slow))
    return path


def backlog_samples() -> list[dict[str, Any]]:
    """Both queues every 0.5 s: workflow tasks pile up while f1 keeps the worker down
    (7-9 s) and drain by 11.5 s; one sample is refused by a throttled server."""
    lines: list[dict[str, Any]] = []
    for step in range(2, 60):
        t = step / 2
        workflow = 0 if t < 7 else 6 * (t - 7) if t <= 9 else max(0.0, 12 - 12 * (t - 9) / 2.5)
        activity = 2 if 7 <= t < 10 else 0
        if t == 20:
            lines.append({"t": T0 + t, "queue": "workflow", "error": "RESOURCE_EXHAUSTED"})
            continue
        lines.append({"t": T0 + t, "queue": "workflow", "backlog": round(workflow)})
        lines.append({"t": T0 + t + 0.01, "queue": "activity", "backlog": activity})
    return lines


def results_for(run_id: str, verdicts: dict[str, str], faults: bool, slow: float
                ) -> dict[str, Any]:
    rows = []
    for check, status in verdicts.items():
        evidence = [] if status == "pass" else [
            {"workflow_id": f"{run_id}/order_saga-{i}", "expected": "COMPLETED",
             "observed": "FAILED", "history": f"histories/{run_id}__order_saga-{i}__run-{i}.json",
             "detail": {"charges": 2, "url": "https://example.invalid/x"}} for i in range(3)]
        rows.append({"check": check, "status": status, "summary": f"{check} is {status}",
                     "evidence": evidence, "stats": {"seconds": 0.01}})
    status = ("fail" if "fail" in verdicts.values() else
              "unknown" if "unknown" in verdicts.values() else "pass")
    data: dict[str, Any] = {
        "schema": "harness.results/1", "harness_version": "0.1.0", "run_id": run_id,
        "scenario": "fixture", "seed": 7, "status": status,
        "exit_code": {"pass": 0, "fail": 1, "unknown": 3}[status], "verdicts": rows}
    if faults:
        per_fault = [
            {"fault_id": "f1", "fault": "worker_kill", "target": "worker-1.1",
             "injected_at": T0 + 7, "healed_at": T0 + 9, "recovered_at": T0 + 9 + 2 * slow,
             "seconds": 2.0 * slow, "affected_workflows": 2},
            {"fault_id": "f2", "fault": "partition", "target": "temporal",
             "injected_at": T0 + 12, "healed_at": T0 + 14, "recovered_at": T0 + 14 + slow,
             "seconds": 1.0 * slow},
            {"fault_id": "f3", "fault": "server_restart", "target": "temporal",
             "injected_at": T0 + 16, "healed_at": T0 + 16, "recovered_at": None,
             "seconds": None}]
        data["recovery"] = {"per_fault": per_fault, "p50": 1.5 * slow, "p95": 1.95 * slow,
                            "max": 2.0 * slow}
    return data


def test_fixture_results_follow_the_schema(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    assert validate_results(json.loads((run / "results.json").read_text())) == []


def test_fixture_has_every_evidence_kind(tmp_path: Path) -> None:
    run = make_run(tmp_path)
    kinds = {json.loads(line)["kind"] for line in (run / "journal.jsonl").open()}
    assert kinds == {"run", "worker", "client", "fault"}
    assert (run / "workers" / "worker-1.1.activities.jsonl").stat().st_size > 0
