"""Client-side faults (client_retry) carried into the Locust processes.

The nemesis arms and disarms `RunContext.client_faults` in the harness process; the
drivers in Locust processes consult their own ClientFaults. The harness writes the state
to `<run>/load/client_faults.json` whenever it changes (checked at each progress poll,
every 0.25 s) and each Locust process re-reads the file when its mtime changes (one stat
per request). Which call loses its response stays a pure function of (seed, key, op).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.workloads.client_faults import ClientFaults

CLIENT_FAULTS_FILE = "client_faults.json"


def state_of(faults: ClientFaults) -> dict[str, Any]:
    return {"seed": faults.seed, "rates": dict(faults.rates), "active": faults.active}


@dataclass
class ClientFaultsPublisher:
    """Harness side: write the state when it changed since the last write."""

    path: Path
    last: dict[str, Any] | None = None

    def publish(self, faults: ClientFaults) -> None:
        state = state_of(faults)
        if state == self.last:
            return
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, self.path)
        self.last = state


@dataclass
class SyncedClientFaults:
    """Locust side: one ClientFaults shared by the drive contexts, kept in step with the file."""

    path: Path
    faults: ClientFaults = field(default_factory=ClientFaults)
    _mtime: int = 0

    def refresh(self) -> None:
        try:
            mtime = self.path.stat().st_mtime_ns
        except OSError:
            return
        if mtime == self._mtime:
            return
        try:
            state = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return  # replaced mid-read: the next request reads it again
        self._mtime = mtime
        self.faults.seed = int(state.get("seed", 0))
        self.faults.rates = {str(k): float(v) for k, v in state.get("rates", {}).items()}
        self.faults.active = bool(state.get("active", False))
