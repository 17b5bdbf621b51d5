"""The app's own database: bookings, charges, tickets and payment callbacks in SQLite.

Each row carries the workflow id and the step that wrote it. A unique `key` is how the
correct code makes a step idempotent: a retried or duplicated delivery finds its key taken
and changes nothing.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS bookings (
    key TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, step TEXT NOT NULL,
    kind TEXT NOT NULL, detail TEXT, cancelled INTEGER NOT NULL DEFAULT 0, t REAL);
CREATE TABLE IF NOT EXISTS charges (
    key TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, step TEXT NOT NULL,
    amount INTEGER NOT NULL, refunded INTEGER NOT NULL DEFAULT 0, t REAL);
CREATE TABLE IF NOT EXISTS tickets (
    key TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, traveller INTEGER NOT NULL, t REAL);
CREATE TABLE IF NOT EXISTS callbacks (
    key TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, t REAL);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection in autocommit mode; WAL lets the workers and the probe read and write
    the same file at once."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA journal_mode=WAL")
    db.executescript(SCHEMA)
    return db
