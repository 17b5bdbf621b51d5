"""The live run as drivers and faults see it: `RunContext` and the `Progress` counters.

`RunContext` satisfies the faults' `FaultContext` protocol (harness/faults/context.py);
it is built by the runner once the workers are up and handed to the drivers and the
nemesis.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from temporalio.client import Client

from harness.journal import Journal
from harness.runfolder import RunFolder
from harness.scenario import Scenario
from harness.stack.stack import Stack
from harness.stack.supervisor import WorkerSupervisor
from harness.workloads.client_faults import ClientFaults


@dataclass
class Progress:
    """Counters the CLI renders; updated from the drivers."""

    total: int = 0
    started: int = 0
    completed: int = 0
    failed: int = 0
    phase: str = "starting"
    t0: float = field(default_factory=time.monotonic)
    on_change: Callable[[Progress], None] = lambda _p: None

    def update(self, **changes: Any) -> None:
        for key, value in changes.items():
            setattr(self, key, value)
        self.on_change(self)


def task_queue(run_id: str) -> str:
    """Each run has its own task queue, so runs sharing a cluster never take each other's
    tasks."""
    return f"tq-{run_id}"


@dataclass
class RunContext:
    """What a driver and a nemesis get: the live run, its stack, its workers, its journal."""

    scenario: Scenario
    stack: Stack
    run: RunFolder
    run_id: str
    seed: int
    journal: Journal
    supervisor: WorkerSupervisor
    client: Client
    progress: Progress
    started_ids: list[str] = field(default_factory=list)
    driving_started: float = 0.0  # time.time() when the drivers began
    # Armed by the client_retry fault, consulted by the workloads' drivers.
    client_faults: ClientFaults = field(default_factory=ClientFaults)

    @property
    def task_queue(self) -> str:
        return task_queue(self.run_id)
