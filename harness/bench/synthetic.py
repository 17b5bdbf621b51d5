"""A synthetic fan-out run folder (the seed's 1K children x 1K activities), as a run writes it.

Same files and formats as a real `harness scale` run of one fan-out parent with
`use_ledger: false` (docs/run-folder.md): meta.json, scenario.yaml, journal.jsonl (run,
worker and client entries), workflows.json (the parent and its children, each pointing at
its stored history), histories/ written through the collection's own HistoryWriter (the
parent's and every child's event history, in the protobuf JSON the server returns), the
workers' attempt log (a started and a completed line per activity, compressed as a
finished run leaves it), and an empty ledger.

Events are built from string templates, not dicts: a 1K x 1K folder has about 3M events
and this is what the benchmark waits for before it can time the checks. Every child
completes and the parent's aggregate is exact, so a correct check passes or says unknown.
"""

from __future__ import annotations

import base64
import gzip
import json
from pathlib import Path
from typing import Any

from harness.attempt_log import LEVEL, SUFFIX
from harness.history_store import HistoryWriter
from harness.workloads.fanout.model import expected_total, item_value

RUN_ID = "synthetic-20260101T000000"
IDENTITY = "worker-1.1"
PARENT = f"{RUN_ID}/fanout-0"
QUEUE = f"tq-{RUN_ID}"
BUILD = "0123456789abcdef0123456789abcdef"
WFT_EVERY = 50  # activity completions per workflow task, as a busy worker batches them
ATTEMPT_LOG = f"workers/{IDENTITY}{SUFFIX}.gz"


def _b64(value: Any) -> str:
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


_JSON = base64.b64encode(b"json/plain").decode()


def _payload(value: Any) -> str:
    return f'{{"payloads": [{{"metadata": {{"encoding": "{_JSON}"}}, "data": "{_b64(value)}"}}]}}'


class _Events:
    """Appends events of one history as JSON text, numbering them and stamping times."""

    def __init__(self, t0: float) -> None:
        self.parts: list[str] = []
        self.n = 0
        self.t = t0

    def add(self, kind: str, attrs_key: str, attrs: str, dt: float = 0.0005) -> int:
        self.n += 1
        self.t += dt
        stamp = _stamp(self.t)
        self.parts.append(
            f'{{"eventId": "{self.n}", "eventTime": "{stamp}", "eventType": "EVENT_TYPE_{kind}", '
            f'"taskId": "{1048576 + self.n}", "{attrs_key}": {attrs}}}')
        return self.n

    def workflow_task(self) -> int:
        scheduled = self.add("WORKFLOW_TASK_SCHEDULED", "workflowTaskScheduledEventAttributes",
                             f'{{"taskQueue": {{"name": "{QUEUE}", "kind": '
                             f'"TASK_QUEUE_KIND_NORMAL"}}, "startToCloseTimeout": "10s", '
                             f'"attempt": 1}}')
        started = self.add("WORKFLOW_TASK_STARTED", "workflowTaskStartedEventAttributes",
                           f'{{"scheduledEventId": "{scheduled}", "identity": "{IDENTITY}", '
                           f'"requestId": "req-{self.n}", "historySizeBytes": "{self.n * 400}", '
                           f'"workerVersion": {{"buildId": "{BUILD}"}}}}')
        return self.add("WORKFLOW_TASK_COMPLETED", "workflowTaskCompletedEventAttributes",
                        f'{{"scheduledEventId": "{scheduled}", "startedEventId": "{started}", '
                        f'"identity": "{IDENTITY}", "workerVersion": {{"buildId": "{BUILD}"}}, '
                        f'"sdkMetadata": {{"sdkName": "temporal-python", "sdkVersion": '
                        f'"1.35.0"}}, "meteringMetadata": {{}}}}')

    def started(self, workflow_type: str, workflow_id: str, value: Any,
                parent: str | None) -> None:
        parent_attrs = (f'"parentWorkflowNamespace": "default", "parentWorkflowExecution": '
                        f'{{"workflowId": "{parent}", "runId": "run-parent"}}, '
                        f'"parentInitiatedEventId": "5", ' if parent else "")
        self.add("WORKFLOW_EXECUTION_STARTED", "workflowExecutionStartedEventAttributes",
                 f'{{"workflowType": {{"name": "{workflow_type}"}}, {parent_attrs}"taskQueue": '
                 f'{{"name": "{QUEUE}", "kind": "TASK_QUEUE_KIND_NORMAL"}}, "input": '
                 f'{_payload(value)}, "workflowTaskTimeout": "10s", "originalExecutionRunId": '
                 f'"run-{workflow_id}", "identity": "{IDENTITY}", "attempt": 1, '
                 f'"firstWorkflowTaskBackoff": "0s", "workflowId": "{workflow_id}", '
                 f'"priority": {{}}}}')

    def completed(self, value: Any, wft: int) -> None:
        self.add("WORKFLOW_EXECUTION_COMPLETED", "workflowExecutionCompletedEventAttributes",
                 f'{{"result": {_payload(value)}, "workflowTaskCompletedEventId": "{wft}"}}')

    def json(self) -> str:
        return '{"events": [' + ", ".join(self.parts) + "]}"


def _stamp(t: float) -> str:
    seconds = int(t)
    h, rem = divmod(seconds % 86400, 3600)
    m, s = divmod(rem, 60)
    return f"2026-01-01T{h:02d}:{m:02d}:{s:02d}.{int((t - seconds) * 1e9):09d}Z"


def child_history(child: int, activities: int, t0: float, log: list[str]) -> tuple[str, float]:
    """One child's history (every activity scheduled at once, completions batched into
    workflow tasks) and its attempt-log lines; returns (JSON text, end time)."""
    wid = f"{PARENT}/child-{child}"
    ev = _Events(t0)
    ev.started("FanOutChild", wid, {"parent_id": PARENT, "child": child,
                                    "activities": activities, "use_ledger": False}, PARENT)
    wft = ev.workflow_task()
    scheduled = []
    for item in range(activities):
        scheduled.append(ev.add(
            "ACTIVITY_TASK_SCHEDULED", "activityTaskScheduledEventAttributes",
            f'{{"activityId": "{item + 1}", "activityType": {{"name": "process_item"}}, '
            f'"taskQueue": {{"name": "{QUEUE}", "kind": "TASK_QUEUE_KIND_NORMAL"}}, '
            f'"header": {{}}, "input": {_payload([PARENT, child, item, False])}, '
            f'"scheduleToCloseTimeout": "0s", "scheduleToStartTimeout": "0s", '
            f'"startToCloseTimeout": "30s", "heartbeatTimeout": "0s", '
            f'"workflowTaskCompletedEventId": "{wft}", "retryPolicy": {{"initialInterval": '
            f'"0.200s", "backoffCoefficient": 2.0, "maximumInterval": "2s"}}, '
            f'"useWorkflowBuildId": true, "priority": {{}}}}', dt=0.00001))
    for item, sched in enumerate(scheduled):
        started = ev.add("ACTIVITY_TASK_STARTED", "activityTaskStartedEventAttributes",
                         f'{{"scheduledEventId": "{sched}", "identity": "{IDENTITY}", '
                         f'"requestId": "req-{child}-{item}", "attempt": 1, "workerVersion": '
                         f'{{"buildId": "{BUILD}"}}}}')
        t_started = ev.t
        ev.add("ACTIVITY_TASK_COMPLETED", "activityTaskCompletedEventAttributes",
               f'{{"result": {_payload(item_value(child, item))}, "scheduledEventId": '
               f'"{sched}", "startedEventId": "{started}", "identity": "{IDENTITY}"}}')
        common = (f'"identity": "{IDENTITY}", "workflow_id": "{wid}", "workflow_run_id": '
                  f'"run-{wid}", "activity_id": "{item + 1}", "activity_type": '
                  f'"process_item", "attempt": 1')
        log.append(f'{{"t": {t_started:.6f}, {common}, "event": '
                   f'"started"}}')
        log.append(f'{{"t": {ev.t:.6f}, {common}, "event": "completed"}}')
        if (item + 1) % WFT_EVERY == 0:
            wft = ev.workflow_task()
    wft = ev.workflow_task()
    total = sum(item_value(child, i) for i in range(activities))
    ev.completed({"child": child, "items": activities, "total": total}, wft)
    return ev.json(), ev.t


def parent_history(children: int, activities: int, t0: float, ends: list[float]) -> str:
    ev = _Events(t0)
    ev.started("FanOut", PARENT, {"children": children, "activities": activities,
                                  "use_ledger": False}, None)
    wft = ev.workflow_task()
    initiated = [ev.add("START_CHILD_WORKFLOW_EXECUTION_INITIATED",
                        "startChildWorkflowExecutionInitiatedEventAttributes",
                        f'{{"namespace": "default", "workflowId": "{PARENT}/child-{c}", '
                        f'"workflowType": {{"name": "FanOutChild"}}, "taskQueue": {{"name": '
                        f'"{QUEUE}", "kind": "TASK_QUEUE_KIND_NORMAL"}}, "workflowTaskTimeout":'
                        f' "10s", "workflowTaskCompletedEventId": "{wft}"}}', dt=0.00001)
                 for c in range(children)]
    for c, init in enumerate(initiated):
        ev.add("CHILD_WORKFLOW_EXECUTION_STARTED", "childWorkflowExecutionStartedEventAttributes",
               f'{{"namespace": "default", "initiatedEventId": "{init}", "workflowExecution": '
               f'{{"workflowId": "{PARENT}/child-{c}", "runId": "run-{PARENT}/child-{c}"}}, '
               f'"workflowType": {{"name": "FanOutChild"}}}}')
    ev.workflow_task()
    for c, init in enumerate(initiated):
        ev.t = max(ev.t, ends[c])
        total = sum(item_value(c, i) for i in range(activities))
        ev.add("CHILD_WORKFLOW_EXECUTION_COMPLETED",
               "childWorkflowExecutionCompletedEventAttributes",
               f'{{"result": {_payload({"child": c, "items": activities, "total": total})}, '
               f'"namespace": "default", "workflowExecution": {{"workflowId": '
               f'"{PARENT}/child-{c}", "runId": "run-{PARENT}/child-{c}"}}, "workflowType": '
               f'{{"name": "FanOutChild"}}, "initiatedEventId": "{init}", "startedEventId": '
               f'"{init}"}}')
        if (c + 1) % WFT_EVERY == 0:
            ev.workflow_task()
    wft = ev.workflow_task()
    ev.completed(_result(children, activities), wft)
    return ev.json()


def _result(children: int, activities: int) -> dict[str, int]:
    return {"children": children, "items": children * activities,
            "total": expected_total(children, activities)}


def _record(wid: str, workflow_type: str, parent: str | None, t0: float, t1: float,
            length: int, stored: dict[str, Any], result: Any) -> dict[str, Any]:
    return {"workflow_id": wid, "run_id": f"run-{wid}", "workflow_type": workflow_type,
            "status": "COMPLETED", "parent_id": parent, "start_time": _stamp(t0)[:-1],
            "close_time": _stamp(t1)[:-1], **stored, "history_length": length,
            "last_event": {"id": length, "type": "EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED",
                           "time": _stamp(t1)[:-1]}, "result": result}


def write_synthetic_run(path: Path, children: int = 1000, activities: int = 1000) -> Path:
    """Write the folder and return it. Histories go through HistoryWriter as they are built
    (one child in memory at a time); the attempt log is appended child by child."""
    path = Path(path).absolute()
    (path / "workers").mkdir(parents=True, exist_ok=True)
    t0 = 1000.0
    records: list[dict[str, Any]] = []
    ends: list[float] = []
    # The attempt log as a finished run leaves it: compressed (harness/attempt_log.py).
    with HistoryWriter(path) as writer, gzip.open(path / ATTEMPT_LOG, "wt", encoding="utf-8",
                                                  compresslevel=LEVEL) as log:
        for child in range(children):
            lines: list[str] = []
            start = t0 + 1 + child * 0.001
            text, end = child_history(child, activities, start, lines)
            log.write("\n".join(lines) + "\n")
            wid = f"{PARENT}/child-{child}"
            length = text.count('"eventId"')
            stored = writer.add(wid, f"run-{wid}", text)
            total = sum(item_value(child, i) for i in range(activities))
            records.append(_record(wid, "FanOutChild", PARENT, start, end, length, stored,
                                   {"child": child, "items": activities, "total": total}))
            ends.append(end)
        text = parent_history(children, activities, t0 + 0.5, ends)
        t_end = max(ends, default=t0) + 0.1
        stored = writer.add(PARENT, f"run-{PARENT}", text)
        records.append(_record(PARENT, "FanOut", None, t0 + 0.5, t_end,
                               text.count('"eventId"'), stored, _result(children, activities)))
    records.sort(key=lambda r: (r["workflow_id"], r.get("start_time") or ""))
    (path / "workflows.json").write_text(json.dumps(records, indent=2), encoding="utf-8")
    _write_journal(path, children, activities, t0, t_end)
    (path / "ledger.json").write_text(json.dumps({"attempts": [], "effects": [],
                                                  "callbacks": []}), encoding="utf-8")
    (path / "meta.json").write_text(json.dumps(
        {"run_id": RUN_ID, "scenario": "synthetic-fanout", "seed": 1}), encoding="utf-8")
    (path / "scenario.yaml").write_text(
        "name: synthetic-fanout\nworkloads:\n  - {name: fanout, count: 1, params: "
        f"{{children: {children}, activities: {activities}, use_ledger: false}}}}\n",
        encoding="utf-8")
    return path


def _write_journal(path: Path, children: int, activities: int, t0: float, t_end: float
                   ) -> None:
    entries = [
        {"t": t0, "kind": "run", "type": "start", "run_id": RUN_ID, "seed": 1,
         "scenario": "synthetic-fanout"},
        {"t": t0 + 0.1, "kind": "worker", "type": "start", "identity": IDENTITY, "pid": 1},
        {"t": t0 + 0.2, "kind": "worker", "type": "ready", "identity": IDENTITY, "pid": 1},
        {"t": t0 + 0.5, "kind": "client", "op": "start", "type": "invoke",
         "workflow_id": PARENT, "workload": "fanout", "workflow_type": "FanOut",
         "expect": "COMPLETED", "children": children, "activities": activities,
         "use_ledger": False},
        {"t": t0 + 0.51, "kind": "client", "op": "start", "type": "ok", "workflow_id": PARENT,
         "run_id": f"run-{PARENT}"},
        {"t": t0 + 0.52, "kind": "client", "op": "result", "type": "invoke",
         "workflow_id": PARENT},
        {"t": t_end, "kind": "client", "op": "result", "type": "ok", "workflow_id": PARENT,
         "status": "COMPLETED", "value": _result(children, activities)},
        {"t": t_end + 0.5, "kind": "run", "type": "driven", "deadline_exceeded": False},
        {"t": t_end + 1.0, "kind": "run", "type": "end"},
    ]
    (path / "journal.jsonl").write_text(
        "".join(json.dumps({"seq": i + 1, **e}) + "\n" for i, e in enumerate(entries)),
        encoding="utf-8")
