"""The run folder: everything a run stored, and the only thing checks may read.

Layout (reports/<run-id>/):
    meta.json        run id, seed, scenario name, times, versions, addresses
    scenario.yaml    the scenario as run (defaults filled in)
    journal.jsonl    client operations, faults, worker lifecycle
    workflows.json   one record per workflow execution (status, history file, result)
    histories/       each execution's event history as JSON
    ledger.json      the reference services' ledger snapshot
    workers/         worker logs
    results.json     verdicts
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.journal import read_journal


class Evidence(StrEnum):
    """The kinds of evidence a run stores; a check declares which it needs."""

    JOURNAL = "journal.jsonl"
    WORKFLOWS = "workflows.json"
    HISTORIES = "histories"
    LEDGER = "ledger.json"
    ATTEMPT_LOG = "workers/*.activities.jsonl"
    SCENARIO = "scenario.yaml"


@dataclass
class RunFolder:
    path: Path

    @property
    def journal_path(self) -> Path:
        return self.path / "journal.jsonl"

    @property
    def histories_dir(self) -> Path:
        return self.path / "histories"

    @property
    def workers_dir(self) -> Path:
        return self.path / "workers"

    def has(self, evidence: Evidence) -> bool:
        """Whether the run stored this kind of evidence at all (collection reached it)."""
        if evidence == Evidence.ATTEMPT_LOG:
            return self.workers_dir.is_dir() and any(
                self.workers_dir.glob("*.activities.jsonl"))
        if evidence == Evidence.HISTORIES:
            return self.histories_dir.is_dir()
        if evidence == Evidence.LEDGER:
            return isinstance(self.ledger, dict)
        return (self.path / evidence.value).exists()

    def file(self, name: str) -> Path:
        return self.path / name

    def read_json(self, name: str, default: Any = None) -> Any:
        path = self.path / name
        if not path.exists():
            return default
        return json.loads(path.read_text(encoding="utf-8"))

    def write_json(self, name: str, data: Any) -> Path:
        """Write atomically so a killed harness never leaves half a file."""
        path = self.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(data, indent=2, default=str) + "\n", encoding="utf-8")
        tmp.replace(path)
        return path

    @cached_property
    def journal(self) -> list[dict[str, Any]]:
        return list(read_journal(self.journal_path))

    @cached_property
    def meta(self) -> dict[str, Any]:
        return self.read_json("meta.json", {})

    @cached_property
    def workflows(self) -> list[dict[str, Any]]:
        return self.read_json("workflows.json", [])

    @cached_property
    def ledger(self) -> dict[str, Any] | None:
        return self.read_json("ledger.json")

    def history_file(self, workflow_id: str, run_id: str) -> str:
        """Relative path of a stored history, as named in evidence."""
        safe = workflow_id.replace("/", "__")
        return f"histories/{safe}__{run_id}.json"
