"""Waiting for a workflow's result rides out a server that is down or not serving yet."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

import harness.workloads.base as base
from harness.journal import Journal, read_journal
from harness.workloads.base import DriveContext, await_result


class NoParams(BaseModel):
    pass


class FakeHandle:
    """A workflow handle whose result() raises the given errors, then returns 'done'."""

    id = "r1/approval-0"

    def __init__(self, errors: list[Exception]) -> None:
        self.errors = errors

    async def result(self) -> Any:
        if self.errors:
            raise self.errors.pop(0)
        return "done"


def drive(tmp_path: Path, handle: FakeHandle) -> tuple[Any, list[bool], list[dict[str, Any]]]:
    journal = Journal(tmp_path / "journal.jsonl")
    finished: list[bool] = []
    ctx = DriveContext(client=None, journal=journal, run_id="r1",  # type: ignore[arg-type]
                       task_queue="tq", seed=1, workload="approval", params=NoParams(),
                       on_finished=lambda _wid, ok: finished.append(ok))
    value = asyncio.run(await_result(ctx, handle))  # type: ignore[arg-type]
    journal.close()
    results = [e for e in read_journal(tmp_path / "journal.jsonl") if e.get("op") == "result"]
    return value, finished, results


def unavailable() -> RPCError:
    return RPCError("Frontend is not healthy yet", RPCStatusCode.UNAVAILABLE, b"")


def test_waits_through_unavailable_until_the_result(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: a cluster restart answered UNAVAILABLE for a while; the drivers stopped
    waiting, the run ended at once and every workflow was judged not finished."""
    monkeypatch.setattr(base, "RESULT_RETRY_FIRST", 0.01)
    value, finished, results = drive(tmp_path, FakeHandle([unavailable(), unavailable()]))
    assert value == "done" and finished == [True]
    assert [e["type"] for e in results] == ["invoke", "info", "info", "ok"]
    assert results[1]["grpc_code"] == "UNAVAILABLE"  # each wait that failed is evidence


def test_other_errors_end_the_wait_as_unknown(tmp_path: Path) -> None:
    error = RPCError("no such workflow", RPCStatusCode.NOT_FOUND, b"")
    value, finished, results = drive(tmp_path, FakeHandle([error]))
    assert value is None and finished == [False]
    assert [e["type"] for e in results] == ["invoke", "info"]
    assert results[1]["grpc_code"] == "NOT_FOUND"
