"""The configuration a worker process receives, as one JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from harness.stack.connection import TemporalConnection


@dataclass
class WorkerTuning:
    """The SDK worker settings a worker process starts with (the scenario's
    `workers.options`, plus what the harness itself tunes)."""

    max_concurrent_activities: int = 200
    max_concurrent_workflow_tasks: int = 200
    max_cached_workflows: int = 1000
    sticky_queue_timeout: float = 1.0
    graceful_shutdown: float = 2.0
    heartbeat_throttle: float = 0.3


@dataclass
class WorkerConfig:
    identity: str
    temporal: TemporalConnection
    task_queue: str
    workloads: dict[str, str]  # workload name -> version
    services_url: str
    ready_file: str
    options: WorkerTuning = field(default_factory=WorkerTuning)
    # Worker-side fault injection (interceptors), filled by the faults package.
    faults: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0
    metrics_port: int | None = None
    # Users' apps named by import path in the scenario (name -> app spec), rebuilt by the
    # worker, and each workload's params, which activity factories may read.
    apps: dict[str, dict[str, Any]] = field(default_factory=dict)
    params: dict[str, dict[str, Any]] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["temporal"] = self.temporal.to_json()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> WorkerConfig:
        data = dict(data)
        data["temporal"] = TemporalConnection.from_json(data["temporal"])
        data["options"] = WorkerTuning(**data.get("options", {}))
        return cls(**data)

    def write(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> WorkerConfig:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))
