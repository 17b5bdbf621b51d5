"""The worker-side interceptor: records every activity attempt and injects activity faults.

Runs inside worker processes, for the reference workloads and users' workloads alike.
Every attempt is written to `workers/<identity>.activities.jsonl` (the attempt log:
started / heartbeat / completed / failed / injected) so checks and reports can see retries
the history does not keep (only the last attempt of an activity appears in history), the
checkpoint each attempt started from and the progress it reported. Aimed crashes and
duplicate deliveries are decided here.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ActivityOutboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

from harness.coin import chosen, within_run

# Heartbeat details are the user's values; a huge one must not bloat the attempt log.
MAX_DETAILS_CHARS = 2000


def plain(values: Any) -> Any:
    """Heartbeat details as JSON-able values (bounded); what cannot be shown becomes repr."""
    try:
        text = json.dumps(list(values), default=repr)
    except (TypeError, ValueError):
        text = json.dumps([repr(v) for v in values])
    if len(text) > MAX_DETAILS_CHARS:
        return {"truncated": text[:MAX_DETAILS_CHARS]}
    return json.loads(text)


class ActivityEvents:
    """Append-only, flushed per line: a SIGKILL loses nothing already written."""

    def __init__(self, path: Path, identity: str) -> None:
        self.identity = identity
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def write(self, event: str, **fields: Any) -> None:
        info = activity.info()
        entry = {"t": time.time(), "identity": self.identity, "event": event,
                 "workflow_id": info.workflow_id, "workflow_run_id": info.workflow_run_id,
                 "activity_id": info.activity_id, "activity_type": info.activity_type,
                 "attempt": info.attempt, **fields}
        with self._lock:
            self._file.write(json.dumps(entry) + "\n")
            self._file.flush()


def slot_and_incarnation(identity: str) -> tuple[int, int]:
    """`worker-2.3` -> (2, 3)."""
    slot, _, incarnation = identity.removeprefix("worker-").partition(".")
    try:
        return int(slot), int(incarnation or 1)
    except ValueError:
        return 0, 0


class HarnessInterceptor(Interceptor):
    def __init__(self, events: ActivityEvents, faults: list[dict[str, Any]]) -> None:
        self.events = events
        slot, incarnation = slot_and_incarnation(events.identity)
        # Aimed crashes fire once: in their slot's first life only.
        self.crashes = [dict(f, seen=0) for f in faults if f["kind"] == "crash"
                        and f["slot"] == slot and f.get("incarnation", 1) == incarnation]
        self.duplicates = [f for f in faults if f["kind"] == "duplicate"]

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _Inbound(next, self)


class _Outbound(ActivityOutboundInterceptor):
    """Logs each heartbeat the activity sends, before the SDK throttles it; a crash aimed
    at the Nth heartbeat strikes before that one is handed on."""

    def __init__(self, next: ActivityOutboundInterceptor, owner: HarnessInterceptor) -> None:
        super().__init__(next)
        self.owner = owner

    def heartbeat(self, *details: Any) -> None:
        self.owner.events.write("heartbeat", details=plain(details))
        info = activity.info()
        _aim(self.owner, "activity_heartbeat", info.activity_type,
             (info.workflow_id, info.activity_id, info.attempt))
        super().heartbeat(*details)


def _matches(fault: dict[str, Any], activity_type: str) -> bool:
    types = fault.get("activity_types")
    if types is not None:
        return not types or activity_type in types
    wanted = fault.get("activity_type")
    return wanted is None or wanted == activity_type


def _seconds(value: Any) -> float | None:
    return value.total_seconds() if value is not None else None


def _crash_now() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _Inbound(ActivityInboundInterceptor):
    def __init__(self, next: ActivityInboundInterceptor, owner: HarnessInterceptor) -> None:
        super().__init__(next)
        self.owner = owner

    def init(self, outbound: ActivityOutboundInterceptor) -> None:
        super().init(_Outbound(outbound, self.owner))

    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        info = activity.info()
        events = self.owner.events
        # The checkpoint this attempt was handed: what a resuming activity starts from.
        events.write("started", started_from=plain(info.heartbeat_details),
                     heartbeat_timeout=_seconds(info.heartbeat_timeout),
                     start_to_close_timeout=_seconds(info.start_to_close_timeout))
        _aim(self.owner, "activity_started", info.activity_type)
        try:
            result = await super().execute_activity(input)
        except BaseException as err:
            events.write("failed", error=f"{type(err).__name__}: {err}"[:300],
                         error_type=getattr(err, "type", None) or type(err).__name__,
                         # Only the failure itself can say it must not be retried.
                         non_retryable=bool(getattr(err, "non_retryable", False)))
            raise
        duplicate = self._duplicate(info)
        if duplicate is not None:
            events.write("injected", injection=duplicate["mode"], fault_id=duplicate["fault_id"])
            if duplicate["mode"] == "crash_after_effect":
                _crash_now()
            if duplicate["mode"] == "hang":
                timeout = info.heartbeat_timeout or info.start_to_close_timeout
                await asyncio.sleep((timeout.total_seconds() if timeout else 10) + 1)
                events.write("completed", zombie=True)
                return result
            raise ApplicationError("harness: completion lost (injected duplicate delivery)",
                                   type="InjectedLostCompletion")
        events.write("completed")
        _aim(self.owner, "activity_completed", info.activity_type)
        return result

    def _duplicate(self, info: activity.Info) -> dict[str, Any] | None:
        return duplicate_for(self.owner.duplicates, info)


def duplicate_for(duplicates: list[dict[str, Any]], info: Any) -> dict[str, Any] | None:
    """The duplicate delivery that hits this attempt (activity.Info-like), if any."""
    if info.attempt != 1:
        return None  # the retry must succeed: exactly two executions
    for fault in duplicates:
        if _matches(fault, info.activity_type) and chosen(
                fault["seed"], within_run(info.workflow_id), info.activity_id,
                info.attempt, fault["rate"]):
            return fault
    return None


def _aim(owner: HarnessInterceptor, when: str, activity_type: str,
         attempt: tuple[str, str, int] | None = None) -> None:
    """Fire the aimed crashes this event is the Nth of. Starts and completions count over
    the worker; heartbeats count per activity attempt (`attempt`), so the Nth heartbeat
    of one attempt means its N-1 earlier ones (its checkpoints) went out before it."""
    for fault in owner.crashes:
        if fault["when"] != when or fault.get("fired") or not _matches(fault, activity_type):
            continue
        if attempt is None:
            fault["seen"] += 1
            seen = fault["seen"]
        else:
            beats = fault.setdefault("beats", {})
            seen = beats[attempt] = beats.get(attempt, 0) + 1
        if seen != fault["nth"]:
            continue
        fault["fired"] = True
        owner.events.write("injected", injection=f"crash_{when}", fault_id=fault["fault_id"])
        delay = float(fault.get("delay") or 0)
        if delay <= 0:
            _crash_now()
        else:
            _crash_later(delay)


def _crash_later(delay: float) -> None:
    try:
        asyncio.get_running_loop().call_later(delay, _crash_now)
    except RuntimeError:  # a synchronous activity's thread: no event loop there
        timer = threading.Timer(delay, _crash_now)
        timer.daemon = True
        timer.start()


def build_interceptors(config: Any) -> list[Interceptor]:
    events_path = Path(config.ready_file).with_name(f"{config.identity}.activities.jsonl")
    return [HarnessInterceptor(ActivityEvents(events_path, config.identity), config.faults)]
