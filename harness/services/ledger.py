"""The services' SQLite ledger: every request received and every change applied.

The ledger is the ground truth the checks judge idempotency, compensation and resume by,
so an effect and the attempt that applied it are written in one transaction: a crash can
never leave an effect without its attempt, or the reverse.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

OUTCOMES = ("applied", "duplicate", "rejected", "invalid", "noop", "degraded")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS attempts (
    seq INTEGER PRIMARY KEY, t REAL NOT NULL, service TEXT NOT NULL, op TEXT NOT NULL,
    key TEXT NULL, ref TEXT NULL, workflow_id TEXT NULL, outcome TEXT NOT NULL,
    status INTEGER NOT NULL, body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS effects (
    seq INTEGER PRIMARY KEY, t REAL NOT NULL, service TEXT NOT NULL, op TEXT NOT NULL,
    key TEXT NULL, ref TEXT NOT NULL, workflow_id TEXT NOT NULL, data TEXT NOT NULL,
    response TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS effects_by_key ON effects (service, op, key);
CREATE TABLE IF NOT EXISTS callbacks (
    seq INTEGER PRIMARY KEY, t REAL NOT NULL, workflow_id TEXT NOT NULL, key TEXT NULL,
    decision TEXT NOT NULL, outcome TEXT NOT NULL, error TEXT NULL
);
"""

# Columns holding JSON text, parsed back into objects by snapshot().
_JSON_COLUMNS = {"attempts": ("body",), "effects": ("data", "response"), "callbacks": ()}


class Ledger:
    """Append-only record of attempts, effects and approval callbacks.

    One connection, used from the thread that made it (the services' event loop): handlers
    do their find-then-apply without awaiting in between, which is what makes dedupe exact.
    """

    def __init__(self, path: str | Path, clock: Callable[[], float] = time.time) -> None:
        self.path = Path(path)
        self._clock = clock
        self._db = sqlite3.connect(self.path, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the connection; committed rows are already on disk."""
        self._db.close()

    def record_attempt(
        self,
        service: str,
        op: str,
        key: str | None,
        ref: str | None,
        workflow_id: str | None,
        outcome: str,
        status: int,
        body: Any,
    ) -> None:
        """Record one request that did not apply an effect (duplicate, rejected, invalid)."""
        # "applied" is only written by apply_effect, in the same transaction as its effect.
        if outcome not in OUTCOMES or outcome == "applied":
            raise ValueError(f"record_attempt cannot record outcome {outcome!r}")
        with self._transaction():
            self._insert_attempt(service, op, key, ref, workflow_id, outcome, status, body)

    def find_effect(self, service: str, op: str, key: str) -> dict[str, Any] | None:
        """The stored response of the effect applied under this idempotency key, if any."""
        row = self._db.execute(
            "SELECT response FROM effects WHERE service = ? AND op = ? AND key = ? "
            "ORDER BY seq LIMIT 1",
            (service, op, key),
        ).fetchone()
        return None if row is None else json.loads(row["response"])

    def has_effect_for_ref(self, service: str, op: str, ref: str) -> bool:
        """Whether the forward step with this ref took effect (what a compensation undoes)."""
        row = self._db.execute(
            "SELECT 1 FROM effects WHERE service = ? AND op = ? AND ref = ? LIMIT 1",
            (service, op, ref),
        ).fetchone()
        return row is not None

    def apply_effect(
        self,
        service: str,
        op: str,
        key: str | None,
        ref: str,
        workflow_id: str,
        data: dict[str, Any],
        response: dict[str, Any],
    ) -> dict[str, Any]:
        """Insert the effect and its "applied" attempt together; return the response."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO effects (t, service, op, key, ref, workflow_id, data, response) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self._clock(), service, op, key, ref, workflow_id,
                    json.dumps(data), json.dumps(response),
                ),
            )
            self._insert_attempt(service, op, key, ref, workflow_id, "applied", 200, data)
        return response

    def record_callback(
        self,
        workflow_id: str,
        key: str | None,
        decision: str,
        outcome: str,
        error: str | None = None,
    ) -> None:
        """Record an approval callback sent (or not) to Temporal."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO callbacks (t, workflow_id, key, decision, outcome, error) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (self._clock(), workflow_id, key, decision, outcome, error),
            )

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every row of every table, ordered by seq, with JSON columns parsed."""
        snap: dict[str, list[dict[str, Any]]] = {}
        for table, json_columns in _JSON_COLUMNS.items():
            rows = []
            for row in self._db.execute(f"SELECT * FROM {table} ORDER BY seq"):
                item = dict(row)
                for column in json_columns:
                    item[column] = json.loads(item[column])
                rows.append(item)
            snap[table] = rows
        return snap

    def _insert_attempt(
        self,
        service: str,
        op: str,
        key: str | None,
        ref: str | None,
        workflow_id: str | None,
        outcome: str,
        status: int,
        body: Any,
    ) -> None:
        self._db.execute(
            "INSERT INTO attempts (t, service, op, key, ref, workflow_id, outcome, status, body) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (self._clock(), service, op, key, ref, workflow_id, outcome, status, json.dumps(body)),
        )

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """BEGIN IMMEDIATE ... COMMIT on the autocommit connection; ROLLBACK on error."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")
