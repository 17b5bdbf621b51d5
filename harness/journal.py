"""The run's append-only event log (Jepsen's history), one JSON object per line.

Client operations are recorded as Jepsen does: an `invoke`, then exactly one of
`ok` (it happened), `fail` (it certainly did not) or `info` (indeterminate: a
timeout during a partition may or may not have taken effect). Faults record
`inject` and `heal`; workers record their lifecycle. Checks read it beside the other
evidence of the run folder (histories, the attempt log, the ledger, probes).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

INVOKE, OK, FAIL, INFO = "invoke", "ok", "fail", "info"


class Journal:
    """Thread-safe JSONL writer; every line is flushed so a crash loses nothing."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = path.open("a", encoding="utf-8")
        self._lock = threading.Lock()
        self._seq = 0

    def record(self, kind: str, **fields: Any) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry = {"seq": self._seq, "t": time.time(), "kind": kind, **fields}
            self._file.write(json.dumps(entry, default=str, sort_keys=False) + "\n")
            self._file.flush()
            return entry

    def client(self, op: str, phase: str, workflow_id: str, **fields: Any) -> dict[str, Any]:
        """A client operation: op is start/signal/update/query/result, phase invoke/ok/fail/info."""
        return self.record("client", op=op, type=phase, workflow_id=workflow_id, **fields)

    def fault(self, phase: str, fault: str, **fields: Any) -> dict[str, Any]:
        return self.record("fault", type=phase, fault=fault, **fields)

    def worker(self, event: str, identity: str, **fields: Any) -> dict[str, Any]:
        return self.record("worker", type=event, identity=identity, **fields)

    def close(self) -> None:
        with self._lock:
            if not self._file.closed:
                self._file.close()


def read_journal(path: Path) -> Iterator[dict[str, Any]]:
    """Yield entries; a torn last line (harness killed mid-write) is skipped."""
    if not path.exists():
        return
    with path.open(encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                yield json.loads(line)
            except json.JSONDecodeError:
                continue
