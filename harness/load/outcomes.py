"""A journal that also remembers what the client saw of each workflow, for Locust's verdict.

Locust needs one success/failure per request as soon as it ends; the journal already holds
the truth (invoke / ok / fail / info per client operation), so the request's outcome is read
from what the driver journaled instead of being guessed from exceptions. A request succeeds
when the workflow reached the terminal status its start expected (an order expected to fail
and compensated IS a success). Operations still open when the process shuts down are closed
as `info`: the client stopped watching, so it cannot know how they ended.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from harness.journal import FAIL, INFO, INVOKE, OK, Journal


@dataclass
class Seen:
    expect: str = "COMPLETED"
    start: str = INVOKE
    result: str | None = None
    status: str | None = None
    error: str | None = None
    open_ops: dict[str, dict[str, Any]] = field(default_factory=dict)  # op -> invoke fields


_KEEP = ("request_id", "amount")  # fields that identify a signal/update among its siblings


class OutcomeJournal(Journal):
    """Thread-safe like Journal; every client entry also updates the per-workflow view."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._seen: dict[str, Seen] = {}
        self._seen_lock = threading.Lock()

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        entry = super().record(kind, **fields)
        if kind == "client":
            self._observe(entry)
        return entry

    def _observe(self, entry: dict[str, Any]) -> None:
        wid, op, phase = entry["workflow_id"], entry["op"], entry["type"]
        with self._seen_lock:
            seen = self._seen.setdefault(wid, Seen())
            if phase == INVOKE:
                seen.open_ops[op] = {k: entry[k] for k in _KEEP if k in entry}
                if op == "start":
                    seen.expect = entry.get("expect", "COMPLETED")
                return
            seen.open_ops.pop(op, None)
            if phase != OK and entry.get("error"):
                seen.error = str(entry["error"])
            if op == "start":
                seen.start = phase
            elif op == "result":
                seen.result = phase
                seen.status = entry.get("status")

    def starting(self) -> int:
        """Starts invoked whose outcome is not known yet."""
        with self._seen_lock:
            return sum("start" in s.open_ops for s in self._seen.values())

    def close_open(self, workflow_id: str, error: str) -> None:
        """Journal `info` for every operation of this workflow that is still open."""
        with self._seen_lock:
            seen = self._seen.get(workflow_id)
            pending = dict(seen.open_ops) if seen else {}
        for op, fields in pending.items():
            self.client(op, INFO, workflow_id, error=error, **fields)

    def verdict(self, workflow_id: str) -> tuple[bool, str | None]:
        """(success, why not) for one finished request; forgets the workflow afterwards."""
        with self._seen_lock:
            seen = self._seen.pop(workflow_id, None)
        if seen is None:
            return False, "no start was journaled"
        if seen.start != OK:
            kind = "indeterminate" if seen.start == INFO else "failed"
            return False, f"start {kind}: {_short(seen.error)}"
        if seen.result is None:
            return False, "the result was never awaited"
        if seen.result == INFO:
            return False, f"result indeterminate: {_short(seen.error)}"
        status = seen.status or ("COMPLETED" if seen.result == OK else "FAILED")
        if seen.result in (OK, FAIL) and status == seen.expect:
            return True, None
        return False, f"expected {seen.expect}, got {status}"


def _short(error: str | None) -> str:
    """The error's type, so Locust groups failures instead of listing one per workflow."""
    if not error:
        return "no error text"
    return error.split("(", 1)[0].strip()[:80]
