"""The run folder: everything a run stored, and the only thing checks may read.

Layout (reports/<run-id>/):
    meta.json        run id, seed, scenario name, times, versions, addresses
    scenario.yaml    the scenario as run (defaults filled in)
    journal.jsonl    client operations, faults, worker lifecycle
    workflows.json   one record per workflow execution (status, history file, result)
    histories/       event histories: gzip JSON-lines parts (harness/history_store.py)
    ledger.json      the reference services' ledger snapshot
    workers/         worker logs, configs and attempt logs (*.activities.jsonl[.gz])
    results.json     verdicts
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from typing import Any

from harness.attempt_log import log_files, log_lines
from harness.history_store import HistoryWriter, history_exists, iter_histories, read_history
from harness.journal import read_journal


class Evidence(StrEnum):
    """The kinds of evidence a run stores; a check declares which it needs."""

    JOURNAL = "journal.jsonl"
    WORKFLOWS = "workflows.json"
    HISTORIES = "histories"
    LEDGER = "ledger.json"
    ATTEMPT_LOG = "workers/*.activities.jsonl[.gz]"
    SCENARIO = "scenario.yaml"


@dataclass
class RunFolder:
    path: Path

    def __post_init__(self) -> None:
        # Every path derived from a run folder reaches child processes (worker configs,
        # ready files, Locust's plan and journals), some of which run in another directory.
        self.path = Path(self.path).absolute()

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
            return bool(log_files(self.workers_dir))  # plain or compressed
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

    def history(self, record_or_ref: dict[str, Any] | str | None) -> dict[str, Any] | None:
        """The stored history (`{"events": [...]}`) of a workflows.json record, or of its
        `history_file` as evidence cites it; None when it was not stored."""
        return read_history(self.path, record_or_ref)

    def has_history(self, record_or_ref: dict[str, Any] | str | None) -> bool:
        return history_exists(self.path, record_or_ref)

    def histories(self, records: Iterable[dict[str, Any]] | None = None
                  ) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
        """(record, history) of every stored history, streamed: one in memory at a time.
        Every reader of many histories goes through here (storage order, not record order)."""
        return iter_histories(self.path, self.workflows if records is None else records)

    def attempt_log_lines(self, containing: str | None = None) -> Iterator[str]:
        """Every line of the workers' attempt logs (plain or compressed), streamed; only
        those holding `containing` when given."""
        return log_lines(self.workers_dir, containing)

    def history_writer(self) -> HistoryWriter:
        """Where collection streams the histories it fetches."""
        return HistoryWriter(self.path)
