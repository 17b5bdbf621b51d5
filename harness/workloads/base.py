"""What a workload is, and the journaled client operations its driver uses.

A workload (Jepsen's sense) bundles workflow classes per version, the activities a
worker registers, a params model, and a driver: a coroutine that starts one instance,
talks to it (signals, updates, queries) and waits for its end, recording every client
operation in the journal as invoke / ok / fail / info.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client, WorkflowFailureError, WorkflowHandle
from temporalio.common import SearchAttributeKey, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from harness.journal import FAIL, INFO, INVOKE, OK, Journal
from harness.services.client import ServicesClient
from harness.workloads.client_faults import ClientFaults
from harness.workloads.settings import SEARCH_ATTRIBUTE, WORKFLOW_TASK_TIMEOUT

RUN_ID_KEY = SearchAttributeKey.for_keyword(SEARCH_ATTRIBUTE)

# Codes after which we cannot know whether the server applied the call (Jepsen's info).
_INDETERMINATE = {RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.UNAVAILABLE,
                  RPCStatusCode.CANCELLED, RPCStatusCode.UNKNOWN}


@dataclass
class DriveContext:
    """Everything a driver needs; one per workload spec in a run."""

    client: Client
    journal: Journal
    run_id: str
    task_queue: str
    seed: int
    workload: str
    params: BaseModel
    label: str = ""  # distinguishes two specs of one workload in a scenario
    client_faults: ClientFaults = field(default_factory=ClientFaults)
    on_started: Callable[[str], None] = lambda _wid: None
    on_finished: Callable[[str, bool], None] = lambda _wid, _ok: None

    def rng(self, index: int) -> random.Random:
        """A per-instance random source: same seed, same choices, whatever the interleaving."""
        return random.Random(f"{self.seed}:{self.label or self.workload}:{index}")

    def workflow_id(self, index: int) -> str:
        return f"{self.run_id}/{self.label or self.workload}-{index}"

    @property
    def search_attributes(self) -> TypedSearchAttributes:
        return TypedSearchAttributes([SearchAttributePair(RUN_ID_KEY, self.run_id)])


def is_indeterminate(err: BaseException) -> bool:
    if isinstance(err, asyncio.TimeoutError | TimeoutError):
        return True
    return isinstance(err, RPCError) and err.status in _INDETERMINATE


def grpc_code(err: BaseException) -> dict[str, str]:
    """The gRPC status of a failed call, for the journal (a thing to watch); {} if none."""
    cause: BaseException | None = err
    while cause is not None and not isinstance(cause, RPCError):
        cause = cause.__cause__
    return {"grpc_code": cause.status.name} if isinstance(cause, RPCError) else {}


async def start_workflow(
    ctx: DriveContext, workflow: str, arg: Any, workflow_id: str, *, expect: str | list[str],
    args: Sequence[Any] | None = None, **extra: Any,
) -> WorkflowHandle[Any, Any] | None:
    """Start one workflow, journaled.

    `expect` is its expected terminal status, or a list of acceptable ones when a fault may
    change the business outcome by design. `args` replaces `arg` for workflows taking zero
    or several arguments.
    """
    ctx.journal.client("start", INVOKE, workflow_id, workload=ctx.workload,
                       workflow_type=workflow, expect=expect, **extra)
    arguments = list(args) if args is not None else [arg]
    try:
        handle = await ctx.client.start_workflow(
            workflow, args=arguments, id=workflow_id, task_queue=ctx.task_queue,
            task_timeout=WORKFLOW_TASK_TIMEOUT, search_attributes=ctx.search_attributes,
        )
    except Exception as err:  # noqa: BLE001 - every outcome is journaled
        phase = INFO if is_indeterminate(err) else FAIL
        ctx.journal.client("start", phase, workflow_id, error=repr(err), **grpc_code(err))
        if phase == INFO:
            ctx.on_started(workflow_id)
            return ctx.client.get_workflow_handle(workflow_id)
        return None
    if ctx.client_faults.lose("start", workflow_id):
        # The response is lost: the client cannot tell, so it retries with the same id.
        ctx.journal.client("start", INFO, workflow_id, error="response lost (injected)",
                           injected=True)
        ctx.journal.client("start", INVOKE, workflow_id, retry=True, expect=expect,
                           workload=ctx.workload, workflow_type=workflow, **extra)
        # WorkflowAlreadyStarted is the dedupe we want: the id is taken by the start that did
        # happen.
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await ctx.client.start_workflow(
                workflow, args=arguments, id=workflow_id, task_queue=ctx.task_queue,
                task_timeout=WORKFLOW_TASK_TIMEOUT, search_attributes=ctx.search_attributes)
    ctx.journal.client("start", OK, workflow_id, run_id=handle.result_run_id)
    ctx.on_started(workflow_id)
    return handle


# Waiting for a result is a read, safe to repeat: while the server is down or not serving
# yet (UNAVAILABLE) the driver waits on, as a real client does, until the scenario's
# deadline cancels it. A whole cluster restarting takes longer than the SDK's own retries.
RESULT_RETRY_FIRST, RESULT_RETRY_MAX = 0.5, 5.0


async def await_result(ctx: DriveContext, handle: WorkflowHandle[Any, Any]) -> Any:
    """Wait for the end of a workflow (following continue-as-new), journaled."""
    wid = handle.id
    ctx.journal.client("result", INVOKE, wid)
    pause = RESULT_RETRY_FIRST
    while True:
        try:
            value = await handle.result()
            break
        except Exception as err:  # noqa: BLE001 - told apart below
            if grpc_code(err).get("grpc_code") != RPCStatusCode.UNAVAILABLE.name:
                return _result_failed(ctx, wid, err)
            ctx.journal.client("result", INFO, wid, error=repr(err), retry_in=pause,
                               **grpc_code(err))
            await asyncio.sleep(pause)
            pause = min(pause * 2, RESULT_RETRY_MAX)
    ctx.journal.client("result", OK, wid, value=_jsonable(value), status="COMPLETED")
    ctx.on_finished(wid, True)
    return value


def _result_failed(ctx: DriveContext, wid: str, err: Exception) -> None:
    """The workflow failed (FAIL), or waiting for it did (INFO: its end is unknown here)."""
    if isinstance(err, WorkflowFailureError):
        ctx.journal.client("result", FAIL, wid, error=str(err.cause), status="FAILED")
    else:
        ctx.journal.client("result", INFO, wid, error=repr(err), **grpc_code(err))
    ctx.on_finished(wid, False)


async def journaled(
    ctx: DriveContext, op: str, workflow_id: str, call: Callable[[], Awaitable[Any]],
    **fields: Any,
) -> tuple[str, Any]:
    """Run one client call (signal, update, query) and journal its outcome.

    Under a client_retry fault a call carrying a `request_id` may have its response
    "lost": it is journaled as info and sent again with the same request id.
    """
    ctx.journal.client(op, INVOKE, workflow_id, **fields)
    try:
        value = await call()
        request_id = fields.get("request_id")
        if request_id and ctx.client_faults.lose(op, f"{workflow_id}/{request_id}"):
            ctx.journal.client(op, INFO, workflow_id, error="response lost (injected)",
                               injected=True, **fields)
            ctx.journal.client(op, INVOKE, workflow_id, retry=True, **fields)
            value = await call()
    except Exception as err:  # noqa: BLE001
        phase = INFO if is_indeterminate(err) else FAIL
        ctx.journal.client(op, phase, workflow_id, error=str(err), **grpc_code(err), **fields)
        return phase, err
    ctx.journal.client(op, OK, workflow_id, value=_jsonable(value), **fields)
    return OK, value


def _jsonable(value: Any) -> Any:
    from dataclasses import asdict, is_dataclass

    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    return value


# Drives one instance (index) of a workload: start it, talk to it, await its end. The run's
# driver (harness/drive.py) runs many of these under the scenario's concurrency.
InstanceDriver = Callable[[DriveContext, int], Awaitable[None]]
# (services client, workload version[, params]) -> activity callables; mutants swap in
# broken ones. A factory taking a third argument gets the scenario's params for the workload.
ActivitiesFactory = Callable[..., Sequence[Callable[..., Any]]]


def make_activities(workload: Workload, services: ServicesClient, version: str,
                    params: BaseModel | None) -> list[Callable[..., Any]]:
    """The workload's activities; the scenario's params go to factories that take them."""
    import inspect

    try:
        takes = len(inspect.signature(workload.activities).parameters)
    except (TypeError, ValueError):
        takes = 2
    if takes >= 3:
        return list(workload.activities(services, version, params))
    return list(workload.activities(services, version))


@dataclass(frozen=True)
class Workload:
    name: str
    description: str
    workflow_type: str
    versions: dict[str, Sequence[type]]
    activities: ActivitiesFactory
    params_model: type[BaseModel]
    drive: InstanceDriver
    extra: dict[str, Any] = field(default_factory=dict)
