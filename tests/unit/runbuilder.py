"""Build small run folders on disk for check tests: no stack, just the files checks read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.runfolder import RunFolder


class RunBuilder:
    def __init__(self, path: Path, run_id: str = "r1") -> None:
        self.path = path
        self.run_id = run_id
        self.entries: list[dict[str, Any]] = []
        self.workflows: list[dict[str, Any]] = []
        self.ledger: dict[str, list[dict[str, Any]]] = {"attempts": [], "effects": [],
                                                        "callbacks": []}
        self.t = 1000.0

    def wid(self, name: str) -> str:
        return f"{self.run_id}/{name}"

    def journal(self, kind: str, **fields: Any) -> RunBuilder:
        self.t += 0.01
        self.entries.append({"seq": len(self.entries) + 1, "t": self.t, "kind": kind, **fields})
        return self

    def start(self, name: str, outcome: str = "ok", expect: str = "COMPLETED",
              **fields: Any) -> RunBuilder:
        wid = self.wid(name)
        self.journal("client", op="start", type="invoke", workflow_id=wid, expect=expect,
                     **fields)
        return self.journal("client", op="start", type=outcome, workflow_id=wid)

    def workflow(self, name: str, status: str = "COMPLETED", run: str = "run-1",
                 start_time: str = "2026-01-01T00:00:00", **fields: Any) -> RunBuilder:
        wid = self.wid(name)
        self.workflows.append({
            "workflow_id": wid, "run_id": run, "status": status, "start_time": start_time,
            "history_file": f"histories/{wid.replace('/', '__')}__{run}.json",
            "last_event": {"type": "EVENT_TYPE_WORKFLOW_EXECUTION_" + status}, **fields})
        return self

    def build(self) -> RunFolder:
        self.path.mkdir(parents=True, exist_ok=True)
        with (self.path / "journal.jsonl").open("w") as f:
            for e in self.entries:
                f.write(json.dumps(e) + "\n")
        (self.path / "workflows.json").write_text(json.dumps(self.workflows))
        (self.path / "ledger.json").write_text(json.dumps(self.ledger))
        (self.path / "meta.json").write_text(json.dumps({"run_id": self.run_id, "seed": 1,
                                                         "scenario": "fixture"}))
        return RunFolder(self.path)
