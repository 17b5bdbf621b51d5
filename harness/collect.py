"""After a run: gather the evidence from Temporal and the services into the run folder.

Visibility (by the run-id search attribute) finds every execution of the run,
children and continued runs included; every workflow id the driver knows is also
described directly, because visibility may lag and an indeterminate start has to be
reconciled by id.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowExecution, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from harness.evidence.history import execution as stored_execution
from harness.history_store import HistoryWriter
from harness.runfolder import RunFolder
from harness.workloads.settings import SEARCH_ATTRIBUTE

_CLOSE_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "result",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "failure",
}


async def collect(client: Client, run: RunFolder, run_id: str, known_ids: list[str],
                  services_url: str, *, concurrency: int = 16,
                  on_progress: Callable[[int, int], None] = lambda _done, _total: None,
                  ) -> list[dict[str, Any]]:
    """Every execution of the run, with its history, into workflows.json. The ledger is
    snapshotted separately (`collect_ledger`), once the workers have stopped.

    Each history goes into the run folder's compressed parts as it arrives
    (harness/history_store.py), so memory holds at most `concurrency` histories whatever
    the run's size; `on_progress(done, total)` after each one."""
    executions = await list_executions(client, run_id, set(known_ids))
    sem = asyncio.Semaphore(concurrency)
    done = 0
    on_progress(0, len(executions))

    async def one(execution: WorkflowExecution, writer: HistoryWriter) -> dict[str, Any]:
        nonlocal done
        async with sem:
            record = await record_execution(client, writer, execution)
        done += 1
        on_progress(done, len(executions))
        return record

    with run.history_writer() as writer:
        records = list(await asyncio.gather(*(one(e, writer) for e in executions)))
        writer.flush()  # children_named reads back what was just written
        # Children a parent started that visibility did not list yet: described by id.
        seen = {r["workflow_id"] for r in records}
        for child_id in sorted(children_named(run, records) - seen):
            described = await _describe(client, child_id)
            if described is not None:
                records.append(await record_execution(client, writer, described))
    records.sort(key=lambda r: (r["workflow_id"], r.get("start_time") or ""))
    run.write_json("workflows.json", records)
    return records


async def collect_ledger(run: RunFolder, run_id: str, services_url: str) -> None:
    """The services' ledger, after the workers stopped: an activity still finishing at the
    stop (a graceful shutdown) has written its effect by then."""
    run.write_json("ledger.json", await ledger_snapshot(services_url, run_id))


def children_named(run: RunFolder, records: list[dict[str, Any]]) -> set[str]:
    """Child workflow ids the collected histories say were started."""
    found: set[str] = set()
    for record in records:
        facts = stored_execution(run, record["history_file"]) \
            if record.get("history_file") else None
        if facts is not None:
            found |= {c.workflow_id for c in facts.children if c.outcome != "failed_to_start"}
    return found


async def _describe(client: Client, workflow_id: str) -> Any:
    try:
        return await client.get_workflow_handle(workflow_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            return None  # an indeterminate start that never happened
        raise


def complete(found: dict[tuple[str, str], WorkflowExecution], known_ids: set[str]) -> bool:
    """Every id the driver knows is listed, and every continued-as-new run has its next run
    listed (a chain is only judged whole)."""
    listed = {wid for wid, _ in found}
    if not known_ids <= listed:
        return False
    runs: dict[str, int] = {}
    continued: dict[str, int] = {}
    for (wid, _), execution in found.items():
        runs[wid] = runs.get(wid, 0) + 1
        if execution.status == WorkflowExecutionStatus.CONTINUED_AS_NEW:
            continued[wid] = continued.get(wid, 0) + 1
    return all(runs[wid] > n for wid, n in continued.items())


async def list_executions(client: Client, run_id: str, known_ids: set[str],
                          settle: float = 5.0) -> list[WorkflowExecution]:
    """Keep listing until the listing is complete and stable (twice the same), or `settle`
    seconds: visibility lags, and late children and continued runs appear last."""
    found: dict[tuple[str, str], WorkflowExecution] = {}
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settle
    previous: set[tuple[str, str]] | None = None
    while True:
        async for execution in client.list_workflows(f"{SEARCH_ATTRIBUTE} = '{run_id}'"):
            found[(execution.id, execution.run_id)] = execution
        current = set(found)
        if (complete(found, known_ids) and current == previous) or loop.time() > deadline:
            break
        previous = current
        await asyncio.sleep(0.5)
    for wid in sorted(known_ids - {wid for wid, _ in found}):
        desc = await _describe(client, wid)
        if desc is not None:
            found[(desc.id, desc.run_id)] = desc
    return list(found.values())


async def record_execution(client: Client, writer: HistoryWriter,
                           execution: WorkflowExecution) -> dict[str, Any]:
    handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
    history = await handle.fetch_history()
    # Serialising and compressing a 1K-activity history takes tens of milliseconds: off the
    # event loop, so the other fetches keep going.
    stored = await asyncio.to_thread(writer.add, execution.id, execution.run_id,
                                     history.to_json())
    # The history is authoritative; visibility's status can lag behind it.
    status = _status_from_history(history.events) or execution.status \
        or WorkflowExecutionStatus.RUNNING
    record: dict[str, Any] = {
        "workflow_id": execution.id,
        "run_id": execution.run_id,
        "workflow_type": execution.workflow_type,
        "status": status.name,
        "parent_id": execution.parent_id,
        "start_time": execution.start_time.isoformat() if execution.start_time else None,
        "close_time": execution.close_time.isoformat() if execution.close_time else None,
        **stored,
        "history_length": len(history.events),
    }
    if history.events:
        last = history.events[-1]
        record["last_event"] = {"id": last.event_id, "type": EventType.Name(last.event_type),
                                "time": last.event_time.ToDatetime().isoformat()}
        close = _close_details(client, last)
        record.update(close)
    if status == WorkflowExecutionStatus.RUNNING:
        desc = await handle.describe()
        pending = desc.raw_description.pending_workflow_task
        record["pending_workflow_task_attempt"] = pending.attempt if pending else 0
    return record


_TERMINAL_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: WorkflowExecutionStatus.COMPLETED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: WorkflowExecutionStatus.FAILED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: WorkflowExecutionStatus.TIMED_OUT,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: WorkflowExecutionStatus.TERMINATED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: WorkflowExecutionStatus.CANCELED,
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        WorkflowExecutionStatus.CONTINUED_AS_NEW,
}


def _status_from_history(events: Any) -> WorkflowExecutionStatus | None:
    if not events:
        return None
    return _TERMINAL_EVENTS.get(events[-1].event_type, WorkflowExecutionStatus.RUNNING)


def _close_details(client: Client, event: Any) -> dict[str, Any]:
    converter = client.data_converter.payload_converter
    kind = _CLOSE_EVENTS.get(event.event_type)
    if kind == "result":
        payloads = event.workflow_execution_completed_event_attributes.result.payloads
        values = converter.from_payloads(list(payloads)) if payloads else []
        return {"result": values[0] if values else None}
    if kind == "failure":
        failure = event.workflow_execution_failed_event_attributes.failure
        messages = []
        while failure is not None and failure.message:
            messages.append(failure.message)
            failure = failure.cause if failure.HasField("cause") else None
        return {"failure": " <- ".join(messages)}
    return {}


async def ledger_snapshot(services_url: str, run_id: str) -> dict[str, Any] | None:
    """This run's rows of the ledger (the services may be shared by several runs)."""
    try:
        async with aiohttp.ClientSession() as session, session.get(
            services_url + "/ledger", timeout=aiohttp.ClientTimeout(total=60)
        ) as resp:
            resp.raise_for_status()
            data = await resp.json()
    except (TimeoutError, aiohttp.ClientError):
        return None
    prefix = run_id + "/"
    return {table: [row for row in rows if str(row.get("workflow_id", "")).startswith(prefix)]
            for table, rows in data.items()}
