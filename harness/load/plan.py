"""The load plan: everything a Locust process needs, as one JSON file in `<run>/load/`.

Locust processes are separate programs (gevent must never meet the harness's asyncio), so
the harness writes what they need here and points them at it with HARNESS_LOAD_CONFIG;
each process learns its own index from HARNESS_LOAD_PROCESS (0 = the only one, 1..N the
workers of a distributed run). A worker on another machine gets a copy of this file.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CONFIG_ENV = "HARNESS_LOAD_CONFIG"
PROCESS_ENV = "HARNESS_LOAD_PROCESS"
CONFIG_FILE = "config.json"


@dataclass
class LoadTarget:
    """One workload the users drive; `weight` sets its share of the requests.

    `drive` names a driver function ("module:function") for targets that are not registered
    workloads (the benchmark's no-op workflow); otherwise the workload registry's is used.
    """

    name: str
    label: str
    params: dict[str, Any] = field(default_factory=dict)
    weight: int = 1
    drive: str | None = None


@dataclass
class LoadPlan:
    run_id: str
    seed: int
    task_queue: str
    temporal: dict[str, Any]  # TemporalConnection.to_json()
    journal_dir: str
    targets: list[LoadTarget]
    users: int = 10
    arrival_rate: float | None = None  # requests/s over all users (open loop); None = closed
    shape: str | None = None
    shape_args: dict[str, str] = field(default_factory=dict)
    duration: float = 30.0
    start_settle: float = 10.0  # at shutdown: how long in-flight starts may still finish

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadPlan:
        data = dict(data)
        data["targets"] = [LoadTarget(**t) for t in data["targets"]]
        return cls(**data)

    def __post_init__(self) -> None:
        # Locust processes run in the load folder, not in the harness's working directory.
        self.journal_dir = str(Path(self.journal_dir).absolute())

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / CONFIG_FILE
        path.write_text(json.dumps(self.to_json(), indent=2), encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> LoadPlan:
        return cls.from_json(json.loads(path.read_text(encoding="utf-8")))

    def journal_path(self, process: int) -> Path:
        return Path(self.journal_dir) / f"journal-{process}.jsonl"
