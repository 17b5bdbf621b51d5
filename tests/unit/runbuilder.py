"""Build small run folders on disk for check tests: no stack, just the files checks read.

Times are epoch seconds on one clock (`self.t`, advanced by each journal entry unless a
`t=` is given), as in a real run where the journal, the ledger and Temporal share a host.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from harness.runfolder import RunFolder

FIXTURES = Path(__file__).parent / "fixtures"


def iso(t: float) -> str:
    """An epoch time as workflows.json writes it."""
    return datetime.fromtimestamp(t, UTC).isoformat()


def history_file(wid: str, run: str) -> str:
    return f"histories/{wid.replace('/', '__')}__{run}.json"


class RunBuilder:
    def __init__(self, path: Path, run_id: str = "r1") -> None:
        self.path = path
        self.run_id = run_id
        self.entries: list[dict[str, Any]] = []
        self.workflows: list[dict[str, Any]] = []
        self.ledger: dict[str, list[dict[str, Any]]] | None = {
            "attempts": [], "effects": [], "callbacks": []}
        self.events: dict[str, list[dict[str, Any]]] = {}  # worker identity -> activity events
        self.histories: dict[str, str] = {}  # relative path -> JSON text
        self.results: dict[str, Any] | None = None
        self.scenario_data: dict[str, Any] | None = None
        self.t = 1000.0

    def wid(self, name: str) -> str:
        return f"{self.run_id}/{name}"

    def _time(self, t: float | None) -> float:
        if t is None:
            self.t += 0.01
            return self.t
        self.t = max(self.t, t)
        return t

    # --- journal -----------------------------------------------------------------------------

    def journal(self, kind: str, t: float | None = None, **fields: Any) -> RunBuilder:
        when = self._time(t)
        self.entries.append({"seq": len(self.entries) + 1, "t": when, "kind": kind, **fields})
        return self

    def start(self, name: str, outcome: str = "ok", expect: str = "COMPLETED",
              **fields: Any) -> RunBuilder:
        wid = self.wid(name)
        self.journal("client", op="start", type="invoke", workflow_id=wid, expect=expect,
                     **fields)
        return self.journal("client", op="start", type=outcome, workflow_id=wid)

    def client(self, op: str, name: str, outcome: str = "ok", t: float | None = None,
               **fields: Any) -> RunBuilder:
        """One client operation (signal, update, query): its invoke, then its outcome."""
        wid = self.wid(name)
        value = fields.pop("value", None)
        self.journal("client", t=t, op=op, type="invoke", workflow_id=wid, **fields)
        extra = {"value": value} if outcome == "ok" else {"error": "refused"}
        return self.journal("client", op=op, type=outcome, workflow_id=wid, **fields, **extra)

    def fault(self, fault: str, t: float | None = None, phase: str = "inject",
              **fields: Any) -> RunBuilder:
        return self.journal("fault", t=t, type=phase, fault=fault, **fields)

    def worker(self, event: str, identity: str, t: float | None = None,
               **fields: Any) -> RunBuilder:
        return self.journal("worker", t=t, type=event, identity=identity, **fields)

    # --- workflows.json and histories -------------------------------------------------------

    def workflow(self, name: str, status: str = "COMPLETED", run: str = "run-1",
                 start_time: str = "2026-01-01T00:00:00", **fields: Any) -> RunBuilder:
        wid = self.wid(name)
        self.workflows.append({
            "workflow_id": wid, "run_id": run, "status": status, "start_time": start_time,
            "history_file": history_file(wid, run),
            "last_event": {"type": "EVENT_TYPE_WORKFLOW_EXECUTION_" + status}, **fields})
        return self

    def stored_history(self, name: str, fixture: str, run: str, workflow_type: str,
                       status: str = "COMPLETED", start_time: str = "2026-01-01T00:00:00"
                       ) -> RunBuilder:
        """A real recorded history (tests/unit/fixtures/histories/<fixture>) for `name`."""
        wid = self.wid(name)
        text = (FIXTURES / "histories" / fixture).read_text(encoding="utf-8")
        self.histories[history_file(wid, run)] = text
        return self.workflow(name, status, run=run, start_time=start_time,
                             workflow_type=workflow_type)

    def activity_history(self, name: str, run: str,
                         activities: list[tuple[str, list[Any], float, str | None, float | None]],
                         inputs: list[Any] | None = None, workflow_type: str = "OrderSaga",
                         signals: list[tuple[str, float]] | None = None,
                         started_at: float | None = None) -> RunBuilder:
        """A minimal history: the workflow's `inputs`, then per activity (type, args,
        scheduled t, closed kind or None, closed t), then `signals` (name, t)."""
        events: list[dict[str, Any]] = []
        if inputs is not None:
            events.append({"eventId": "0", "eventTime": _event_time(started_at or self.t),
                           "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_STARTED",
                           "workflowExecutionStartedEventAttributes": {
                               "workflowType": {"name": workflow_type},
                               "input": {"payloads": _payloads(inputs)}}})
        for signal, at in signals or []:
            events.append({"eventId": f"s{len(events)}", "eventTime": _event_time(at),
                           "eventType": "EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED",
                           "workflowExecutionSignaledEventAttributes": {"signalName": signal}})
        for i, (kind, args, scheduled, closed, closed_t) in enumerate(activities):
            sid = str(len(events) + 1)
            payloads = _payloads(args)
            events.append({"eventId": sid, "eventTime": _event_time(scheduled),
                           "eventType": "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED",
                           "activityTaskScheduledEventAttributes": {
                               "activityId": str(i + 1), "activityType": {"name": kind},
                               "input": {"payloads": payloads}}})
            if closed is not None and closed_t is not None:
                key = {"completed": "Completed", "failed": "Failed"}[closed]
                events.append({"eventId": str(len(events) + 1),
                               "eventTime": _event_time(closed_t),
                               "eventType": f"EVENT_TYPE_ACTIVITY_TASK_{closed.upper()}",
                               f"activityTask{key}EventAttributes": {"scheduledEventId": sid}})
        self.histories[history_file(self.wid(name), run)] = json.dumps({"events": events})
        return self

    # --- ledger.json ---------------------------------------------------------------------------

    def attempt(self, name: str, step: str, service: str, op: str, outcome: str = "applied",
                t: float | None = None, key: str | None | bool = True,
                data: dict[str, Any] | None = None) -> RunBuilder:
        """One request to a service; `applied` also writes its effect, like the ledger does.

        `key=True` means the idempotency key the reference sends (the ref); None: no key.
        """
        assert self.ledger is not None
        wid, when = self.wid(name), self._time(t)
        ref = f"{wid}/{step}"
        real_key = ref if key is True else key
        body = {"key": real_key, "ref": ref, "workflow_id": wid, **(data or {})}
        row = {"t": when, "service": service, "op": op, "key": real_key, "ref": ref,
               "workflow_id": wid}
        attempts, effects = self.ledger["attempts"], self.ledger["effects"]
        if outcome == "applied":
            effects.append({"seq": len(effects) + 1, **row, "data": body, "response": {}})
        attempts.append({"seq": len(attempts) + 1, **row, "outcome": outcome, "status": 200,
                         "body": body})
        return self

    def callback(self, name: str, decision: str, t: float | None = None,
                 outcome: str = "sent") -> RunBuilder:
        assert self.ledger is not None
        callbacks = self.ledger["callbacks"]
        wid = self.wid(name)
        callbacks.append({"seq": len(callbacks) + 1, "t": self._time(t), "workflow_id": wid,
                          "key": f"{wid}/request", "decision": decision, "outcome": outcome,
                          "error": None})
        return self

    def no_ledger(self) -> RunBuilder:
        self.ledger = None
        return self

    # --- workers, results, scenario ----------------------------------------------------------

    def activity_event(self, identity: str, event: str, name: str, activity_id: str,
                       activity_type: str, attempt: int = 1, t: float | None = None,
                       run: str = "run-1", **fields: Any) -> RunBuilder:
        self.events.setdefault(identity, []).append({
            "t": self._time(t), "identity": identity, "event": event,
            "workflow_id": self.wid(name), "workflow_run_id": run, "activity_id": activity_id,
            "activity_type": activity_type, "attempt": attempt, **fields})
        return self

    def recovery(self, per_fault: Any, **stats: Any) -> RunBuilder:
        """Faults that took the given seconds to recover from (None: never), as the evidence
        the recovery measurement reads: a worker_kill hitting an activity in flight, and the
        affected workflow's next attempt completing `seconds` later (`per_workflow`: name ->
        seconds, per affected workflow)."""
        rows = per_fault if isinstance(per_fault, list) else [
            {"fault_id": k, "seconds": v} for k, v in per_fault.items()]
        for i, row in enumerate(rows):
            t0 = 5000.0 + 100 * i
            identity = f"worker-{i + 1}.1"
            names = [w.split("/", 1)[1] for w in row.get("workflow_ids") or [f"r1/w{i}"]]
            for name in names:
                self.activity_event(identity, "started", name, "1", "charge_payment", t=t0 - 1)
            self.fault(row.get("fault", "worker_kill"), t=t0, fault_id=row["fault_id"],
                       target=identity)
            seconds = row.get("per_workflow") or {name: row["seconds"] for name in names}
            for name in names:
                if seconds.get(name) is not None:
                    done = t0 + seconds[name]
                    self.activity_event(f"worker-{i + 1}.2", "started", name, "1",
                                        "charge_payment", attempt=2, t=done - 0.001)
                    self.activity_event(f"worker-{i + 1}.2", "completed", name, "1",
                                        "charge_payment", attempt=2, t=done)
        self.results = {"schema": "harness.results/1", "recovery": {"per_fault": rows,
                                                                    **stats}}
        return self

    def scenario(self, versions: dict[str, str], workers: dict[str, str] | None = None
                 ) -> RunBuilder:
        self.scenario_data = {
            "name": "fixture",
            "workloads": [{"name": n, "version": v, "count": 1} for n, v in versions.items()],
            "workers": {"count": 1, "version": workers}}
        return self

    def build(self) -> RunFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / "journal.jsonl").open("w") as f:
            for e in self.entries:
                f.write(json.dumps(e) + "\n")
        (self.path / "workflows.json").write_text(json.dumps(self.workflows))
        if self.ledger is not None:
            (self.path / "ledger.json").write_text(json.dumps(self.ledger))
        (self.path / "meta.json").write_text(json.dumps({"run_id": self.run_id, "seed": 1,
                                                         "scenario": "fixture"}))
        for relative, text in self.histories.items():
            (self.path / relative).parent.mkdir(parents=True, exist_ok=True)
            (self.path / relative).write_text(text)
        for identity, events in self.events.items():
            (self.path / "workers").mkdir(exist_ok=True)
            with (self.path / "workers" / f"{identity}.activities.jsonl").open("w") as f:
                for event in events:
                    f.write(json.dumps(event) + "\n")
        if self.results is not None:
            (self.path / "results.json").write_text(json.dumps(self.results))
        if self.scenario_data is not None:
            (self.path / "scenario.yaml").write_text(yaml.safe_dump(self.scenario_data))
        return RunFolder(self.path)


def _payloads(values: list[Any]) -> list[dict[str, Any]]:
    return [{"metadata": {"encoding": _b64("json/plain")}, "data": _b64(json.dumps(v))}
            for v in values]


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _event_time(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f") + "123Z"
