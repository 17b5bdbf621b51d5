"""The Locust processes' journals: tailed for progress while they run, merged after.

Each Locust process writes `<run>/load/journal-<process>.jsonl` (Locust processes cannot share
the harness's Journal object). After the load they are merged into the run's journal.jsonl
through `Journal.record`, in time order, so the run keeps one journal with one `seq` order.

Timestamps: each merged entry keeps its ORIGINAL `t` (when the client operation happened),
not the merge time, because checks correlate client operations with the faults injected
meanwhile. `load_process` and `load_seq` say where an entry came from. So in journal.jsonl
the merged client entries follow the live entries (faults, workers) of the same period:
`seq` order is not time order there; sort by `t` for a timeline.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.journal import FAIL, INFO, INVOKE, OK, Journal


@dataclass
class LoadCounts:
    started_ids: set[str] = field(default_factory=set)
    completed: int = 0
    failed: int = 0  # the client saw a failure or an indeterminate result

    @property
    def started(self) -> int:
        """Workflows started (a start retried after a lost response counts once)."""
        return len(self.started_ids)


@dataclass
class LoadJournals:
    directory: Path
    entries: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    counts: LoadCounts = field(default_factory=LoadCounts)
    _offsets: dict[Path, int] = field(default_factory=dict)

    def poll(self) -> LoadCounts:
        """Read the complete lines written since the last poll (a torn last line waits)."""
        for path in sorted(self.directory.glob("journal-*.jsonl")):
            process = int(path.stem.split("-", 1)[1])
            with path.open("rb") as f:
                f.seek(self._offsets.get(path, 0))
                data = f.read()
            end = data.rfind(b"\n") + 1
            self._offsets[path] = self._offsets.get(path, 0) + end
            for line in data[:end].splitlines():
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                self.entries.append((process, entry))
                self._count(entry)
        return self.counts

    def _count(self, entry: dict[str, Any]) -> None:
        if entry.get("kind") != "client":
            return
        op, phase = entry.get("op"), entry.get("type")
        if op == "start" and phase in (OK, INFO):
            self.counts.started_ids.add(entry["workflow_id"])
        elif op == "result" and phase == OK:
            self.counts.completed += 1
        elif op == "result" and phase in (FAIL, INFO):
            self.counts.failed += 1

    def started_ids(self) -> list[str]:
        """Every workflow id whose start was attempted and not certainly refused."""
        refused = {e["workflow_id"] for _, e in self.entries
                   if e.get("op") == "start" and e.get("type") == FAIL}
        seen: dict[str, None] = {}
        for _, e in self.entries:
            if (e.get("kind") == "client" and e.get("op") == "start"
                    and e.get("type") == INVOKE and e["workflow_id"] not in refused):
                seen.setdefault(e["workflow_id"])
        return list(seen)

    def arrivals(self) -> list[float]:
        """When each workflow's first start was invoked (a retried start counts once)."""
        first: dict[str, float] = {}
        for _, e in self.entries:
            if (e.get("kind") == "client" and e.get("op") == "start"
                    and e.get("type") == INVOKE):
                first.setdefault(e["workflow_id"], float(e["t"]))
        return sorted(first.values())

    def merge_into(self, journal: Journal) -> int:
        """Re-record every entry in the run journal, oldest first; returns how many."""
        self.poll()
        ordered = sorted(self.entries, key=lambda pe: (pe[1].get("t", 0.0), pe[0],
                                                        pe[1].get("seq", 0)))
        for process, entry in ordered:
            fields = {k: v for k, v in entry.items() if k not in ("seq", "kind")}
            journal.record(entry.get("kind", "client"), **fields, load_process=process,
                           load_seq=entry.get("seq"))
        return len(ordered)
