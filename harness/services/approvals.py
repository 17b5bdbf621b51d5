"""The reference approver: answers an approval request later, by signalling the workflow.

Every callback ends in one ledger row, so a check can tell "the approver never answered"
(decision "never": no row) from "it answered and Temporal refused" ("error") and from
"the services stopped first" ("cancelled").
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from harness.services.ledger import Ledger
from harness.services.temporal_target import SignalSender

APPROVER = "reference-approver"


# How long a callback is retried through an outage, and errors that no retry can fix.
RETRY_FOR = 30.0
FINAL_ERRORS = ("not found", "already completed", "workflow execution already")

class CallbackScheduler:
    """Runs one delayed callback task per applied approval request."""

    def __init__(
        self,
        ledger: Ledger,
        send: SignalSender | None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    ) -> None:
        self._ledger = ledger
        self._send = send
        self._clock = clock
        self._sleep = sleep
        self._tasks: set[asyncio.Task[None]] = set()

    def schedule(
        self, workflow_id: str, key: str | None, decision: str, delay: float, signal: str
    ) -> None:
        """Start the callback; the caller must not call this for a duplicate request."""
        task = asyncio.create_task(self._deliver(workflow_id, key, decision, delay, signal))
        # Holding the task keeps it from being garbage-collected mid-sleep.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Wait until every scheduled callback has been delivered or has failed."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel callbacks not yet sent; each records a "cancelled" row."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _send_patiently(self, workflow_id: str, signal: str, arg: dict[str, Any]) -> None:
        """Like a real webhook sender, retry through an outage (a restarting Temporal) for
        up to RETRY_FOR seconds; a workflow that is gone or closed is final."""
        assert self._send is not None
        waited, backoff = 0.0, 0.2
        while True:
            try:
                await self._send(workflow_id, signal, arg)
                return
            except Exception as exc:
                final = any(word in str(exc).lower() for word in FINAL_ERRORS)
                if final or waited + backoff > RETRY_FOR:
                    raise
            await self._sleep(backoff)
            waited += backoff
            backoff = min(backoff * 2, 2.0)

    async def _deliver(
        self, workflow_id: str, key: str | None, decision: str, delay: float, signal: str
    ) -> None:
        try:
            await self._sleep(delay)
        except asyncio.CancelledError:
            self._ledger.record_callback(
                workflow_id, key, decision, "cancelled", "services stopped before it was due"
            )
            raise
        arg = {
            "approved": decision == "approve",
            "approver": APPROVER,
            "request_key": key,
            "sent_at": self._clock(),
        }
        try:
            if self._send is None:
                raise RuntimeError("no Temporal target configured")
            await self._send_patiently(workflow_id, signal, arg)
        except asyncio.CancelledError:
            # Stopped mid-send: the signal may or may not have reached Temporal.
            self._ledger.record_callback(
                workflow_id, key, decision, "error", "services stopped while sending"
            )
            raise
        except Exception as exc:
            self._ledger.record_callback(
                workflow_id, key, decision, "error", f"{type(exc).__name__}: {exc}"
            )
        else:
            self._ledger.record_callback(workflow_id, key, decision, "sent")
