"""A synthetic run folder of N order-saga workflows, in the documented format, for (e).

What it holds, per docs/run-folder.md: meta.json, scenario.yaml, journal.jsonl (start and
result invoke/ok|fail per workflow, worker start/ready), workflows.json, ledger.json
(attempts and effects of each step; failed orders are declined at charge and compensated:
reserve, charge rejected, refund noop, release), workers/worker-1.1.activities.jsonl.
No histories: a check that needs them (determinism/replay) is left out of the benchmark.
One order in ten fails; every order is idempotent and conserved, so a correct check passes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RUN_ID = "synthetic-20260101T000000"
IDENTITY = "worker-1.1"


def _order(i: int, t: float) -> dict[str, Any]:
    wid = f"{RUN_ID}/order_saga-{i}"
    fails = i % 10 == 9
    steps = (["reserve", "charge", "refund", "release"] if fails
             else ["reserve", "charge", "ship"])
    return {"wid": wid, "fails": fails, "steps": steps, "t": t}


_OPS = {"reserve": ("inventory", "reserve"), "charge": ("payments", "charge"),
        "ship": ("shipping", "ship"), "refund": ("payments", "refund"),
        "release": ("inventory", "release")}
_ACTIVITY = {"reserve": "reserve_inventory", "charge": "charge_payment", "ship": "ship_order",
             "refund": "refund_payment", "release": "release_inventory"}


def write_synthetic_run(path: Path, workflows: int) -> Path:
    """Write the folder and return it (plain string building: about 1 s for 10K)."""
    path.mkdir(parents=True, exist_ok=True)
    (path / "workers").mkdir(exist_ok=True)
    journal, records, activities = [], [], []
    attempts: list[dict[str, Any]] = []
    effects: list[dict[str, Any]] = []
    seq = 0

    def entry(t: float, kind: str, **fields: Any) -> None:
        nonlocal seq
        seq += 1
        journal.append(json.dumps({"seq": seq, "t": t, "kind": kind, **fields}))

    entry(1000.0, "run", type="start", run_id=RUN_ID, seed=1, scenario="synthetic")
    entry(1000.1, "worker", type="start", identity=IDENTITY, pid=1)
    entry(1000.2, "worker", type="ready", identity=IDENTITY, pid=1)
    for i in range(workflows):
        o = _order(i, 1001.0 + i * 0.01)
        wid, t = o["wid"], o["t"]
        expect = "FAILED" if o["fails"] else "COMPLETED"
        entry(t, "client", op="start", type="invoke", workflow_id=wid, workload="order_saga",
              workflow_type="OrderSaga", expect=expect, fail_at="charge" if o["fails"] else None)
        entry(t + 0.001, "client", op="start", type="ok", workflow_id=wid, run_id=f"r{i}")
        entry(t + 0.002, "client", op="result", type="invoke", workflow_id=wid)
        for n, step in enumerate(o["steps"]):
            service, op = _OPS[step]
            ref = f"{wid}/{step}"
            st = t + 0.01 + n * 0.01
            rejected = o["fails"] and step == "charge"
            noop = o["fails"] and step == "refund"
            outcome = "rejected" if rejected else "noop" if noop else "applied"
            attempts.append({"seq": len(attempts) + 1, "t": st, "service": service, "op": op,
                             "key": ref, "ref": ref, "workflow_id": wid, "outcome": outcome,
                             "status": 402 if rejected else 200, "body": {"order_id": f"o{i}"}})
            if outcome == "applied":
                effects.append({"seq": len(effects) + 1, "t": st, "service": service, "op": op,
                                "key": ref, "ref": ref, "workflow_id": wid,
                                "data": {"order_id": f"o{i}"}, "response": {"ok": True}})
            for event in ("started", "failed" if rejected else "completed"):
                activities.append(json.dumps({
                    "t": st, "identity": IDENTITY, "event": event, "workflow_id": wid,
                    "workflow_run_id": f"r{i}", "activity_id": str(n + 1),
                    "activity_type": _ACTIVITY[step], "attempt": 1,
                    **({"error": "declined"} if rejected else {})}))
        end = t + 0.06
        if o["fails"]:
            entry(end, "client", op="result", type="fail", workflow_id=wid, status="FAILED",
                  error="order failed at charge_payment; compensated")
        else:
            entry(end, "client", op="result", type="ok", workflow_id=wid, status="COMPLETED",
                  value={"order_id": f"o{i}", "status": "completed"})
        records.append({
            "workflow_id": wid, "run_id": f"r{i}", "workflow_type": "OrderSaga",
            "status": expect, "parent_id": None, "start_time": f"2026-01-01T00:00:{i % 60:02d}",
            "close_time": f"2026-01-01T00:01:{i % 60:02d}",
            "history_file": f"histories/{wid.replace('/', '__')}__r{i}.json",
            "history_length": 20,
            "last_event": {"id": 20, "type": f"EVENT_TYPE_WORKFLOW_EXECUTION_{expect}",
                           "time": "2026-01-01T00:01:00"},
            **({"failure": "order failed at charge_payment"} if o["fails"]
               else {"result": {"order_id": f"o{i}", "status": "completed"}})})
    entry(1001.0 + workflows * 0.01 + 1, "run", type="driven", deadline_exceeded=False)
    entry(1001.0 + workflows * 0.01 + 2, "run", type="end")
    (path / "journal.jsonl").write_text("\n".join(journal) + "\n", encoding="utf-8")
    (path / f"workers/{IDENTITY}.activities.jsonl").write_text(
        "\n".join(activities) + "\n", encoding="utf-8")
    (path / "workflows.json").write_text(json.dumps(records), encoding="utf-8")
    (path / "ledger.json").write_text(json.dumps(
        {"attempts": attempts, "effects": effects, "callbacks": []}), encoding="utf-8")
    (path / "meta.json").write_text(json.dumps(
        {"run_id": RUN_ID, "scenario": "synthetic", "seed": 1}), encoding="utf-8")
    (path / "scenario.yaml").write_text(
        f"name: synthetic\nworkloads:\n  - {{name: order_saga, count: {workflows}}}\n",
        encoding="utf-8")
    return path
