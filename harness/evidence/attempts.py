"""The attempt log: every activity attempt the workers' interceptor saw (workers/*.jsonl).

Only the last attempt of an activity is in history, so this log is the one place retries,
duplicate deliveries and attempts cut by a crash are visible. Each line is one event of one
attempt: `started` (with the heartbeat details it was handed), `heartbeat` (each one the
activity sent), `completed`, `failed` or `injected` (a fault the worker injected).
A worker killed by SIGKILL can leave a torn last line; it is skipped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.attempt_log import log_lines
from harness.runfolder import RunFolder

CLOSING = ("completed", "failed")


def read_events(workers_dir: Path) -> list[dict[str, Any]]:
    """Every worker's attempt events, by time; [] when there are none."""
    events = list(logged_events(workers_dir))
    events.sort(key=lambda e: e["t"])
    return events


def logged_events(workers_dir: Path) -> Iterator[dict[str, Any]]:
    """Every worker's attempt events, streamed in the order each worker wrote them (not
    merged by time): one attempt's lines are all in its worker's log, in order."""
    if not workers_dir.is_dir():
        return
    for line in log_lines(workers_dir):  # plain or compressed (harness/attempt_log.py)
        event = parse_event(line)
        if event is not None:
            yield event


def attempt_events(run: RunFolder) -> list[dict[str, Any]]:
    """The run's attempt events, by time."""
    return read_events(run.workers_dir)


def parse_event(line: str | bytes) -> dict[str, Any] | None:
    """One attempt-log line as an event; None for a torn or foreign line."""
    try:
        event = json.loads(line)
    except ValueError:
        return None  # a line torn by the SIGKILL that was the fault
    if not isinstance(event, dict) or "event" not in event:
        return None
    t = event.get("t")
    if not isinstance(t, int | float) or isinstance(t, bool):
        return None
    return event


class AttemptLogTail:
    """Reads the attempt log incrementally while a run goes (the nemesis' event triggers)."""

    def __init__(self, workers_dir: Path) -> None:
        self.workers_dir = workers_dir
        self.offsets: dict[Path, int] = {}

    def new_events(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        if not self.workers_dir.is_dir():
            return found
        for path in sorted(self.workers_dir.glob("*.activities.jsonl")):
            with path.open("rb") as f:
                f.seek(self.offsets.get(path, 0))
                data = f.read()
            end = data.rfind(b"\n") + 1  # leave a half-written last line for next time
            self.offsets[path] = self.offsets.get(path, 0) + end
            for line in data[:end].splitlines():
                event = parse_event(line)
                if event is not None:
                    found.append(event)
        return found


@dataclass
class Attempt:
    """One activity attempt: its start and, if it ended, how (`lost`: cut by a crash)."""

    workflow_id: str
    run_id: str | None
    activity_id: str
    activity_type: str
    attempt: int
    identity: str
    start: float
    end: float | None = None
    outcome: str = "lost"  # completed | failed | lost
    error: str | None = None
    injected: str | None = None  # the fault the worker injected into this attempt
    error_type: str | None = None
    non_retryable: bool = False  # the failure said it must not be retried
    started_from: list[Any] = field(default_factory=list)  # the checkpoint it was handed
    heartbeats: list[tuple[float, Any]] = field(default_factory=list)  # (t, details) sent

    @property
    def activity_key(self) -> tuple[str, str | None, str]:
        return self.workflow_id, self.run_id, self.activity_id

    def describe(self) -> dict[str, Any]:
        """The attempt as evidence names it."""
        return {"attempt": self.attempt, "worker": self.identity, "started": round(self.start, 3),
                "ended": round(self.end, 3) if self.end is not None else None,
                "outcome": self.outcome, "started_from": self.started_from,
                "last_heartbeat": self.heartbeats[-1][1] if self.heartbeats else None,
                **({"error": self.error} if self.error else {}),
                **({"injected": self.injected} if self.injected else {})}


def workers_with_work(workers_dir: Path) -> set[str]:
    """Identities of the workers with an activity attempt started and not yet ended, as the
    live attempt logs say now (a fault choosing a worker that holds work)."""
    return {a.identity for a in paired(logged_events(workers_dir)) if a.outcome == "lost"}


def attempts(events: list[dict[str, Any]]) -> list[Attempt]:
    """Pair each `started` with its `completed`/`failed`; one never closed stays `lost`."""
    done = list(paired(events))
    done.sort(key=lambda a: a.start)
    return done


def paired(events: Iterable[dict[str, Any]]) -> Iterator[Attempt]:
    """Each attempt as soon as its `completed`/`failed` comes, then those never closed
    (`lost`): only attempts still open are held, so a large log can be streamed."""
    open_: dict[tuple[Any, ...], Attempt] = {}
    for e in events:
        key = (e.get("workflow_id"), e.get("workflow_run_id"), e.get("activity_id"),
               e.get("attempt"), e.get("identity"))
        if e["event"] == "started":
            open_[key] = Attempt(str(e.get("workflow_id")), e.get("workflow_run_id"),
                                 str(e.get("activity_id")), str(e.get("activity_type")),
                                 int(e.get("attempt") or 1), str(e.get("identity")),
                                 float(e["t"]), started_from=list(e.get("started_from") or []))
        elif e["event"] == "heartbeat" and key in open_:
            open_[key].heartbeats.append((float(e["t"]), e.get("details")))
        elif e["event"] == "injected" and key in open_:
            open_[key].injected = str(e.get("injection"))
        elif e["event"] in CLOSING and key in open_:
            row = open_.pop(key)
            row.end, row.outcome = float(e["t"]), e["event"]
            row.error, row.error_type = e.get("error"), e.get("error_type")
            row.non_retryable = bool(e.get("non_retryable"))
            yield row
    yield from open_.values()


def by_activity(found: list[Attempt]) -> dict[tuple[str, str | None, str], list[Attempt]]:
    """Attempts per activity execution (workflow id, run id, activity id), in start order."""
    grouped: dict[tuple[str, str | None, str], list[Attempt]] = defaultdict(list)
    for attempt in found:
        grouped[attempt.activity_key].append(attempt)
    return dict(grouped)


def in_flight(events: list[dict[str, Any]], at: float,
              identities: set[str] | None = None) -> set[str]:
    """Workflow ids with an activity attempt started and not finished at time `at`
    (on the given workers only, when the fault hit specific workers)."""
    return {a.workflow_id for a in attempts([e for e in events if e["t"] <= at])
            if a.outcome == "lost" and (identities is None or a.identity in identities)}


def re_executions(events: list[dict[str, Any]]) -> dict[str, int]:
    """Extra executions per activity (`<workflow id>/<activity id>`) within one run."""
    started: dict[tuple[str, str, str], int] = {}
    for e in events:
        if e["event"] == "started":
            key = (str(e.get("workflow_id")), str(e.get("workflow_run_id")),
                   str(e.get("activity_id")))
            started[key] = started.get(key, 0) + 1
    return {f"{wid}/{aid}": n - 1 for (wid, _run, aid), n in started.items() if n > 1}
