"""The bounded start queue: memory follows the concurrency, not the count; what the deadline
cuts and what a driver fails on are journaled for liveness to judge."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from harness.drive import StartQueue
from harness.journal import Journal, read_journal


def test_a_huge_count_starts_only_concurrency_tasks(tmp_path: Path) -> None:
    """Defect: one asyncio task per workflow was created up front, whatever the concurrency
    (a count of 10^9 grew the harness past 5 GB)."""
    driven: list[int] = []

    async def drive(_ctx: Any, index: int) -> None:
        driven.append(index)
        await asyncio.sleep(0)

    async def go() -> tuple[int, int]:
        queue = StartQueue("w", 10**9, 4, drive, None, Journal(tmp_path / "j.jsonl"))  # type: ignore[arg-type]
        tasks = queue.start()
        await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return len(tasks), queue.not_started

    lanes, not_started = asyncio.run(go())
    assert lanes == 4
    assert driven == list(range(len(driven))) and len(driven) > 4
    assert not_started == 10**9 - len(driven)


def test_driver_errors_are_journaled_and_the_rest_still_runs(tmp_path: Path) -> None:
    seen: list[int] = []

    async def drive(_ctx: Any, index: int) -> None:
        if index == 1:
            raise RuntimeError("boom")
        seen.append(index)

    async def go() -> None:
        journal = Journal(tmp_path / "j.jsonl")
        queue = StartQueue("w", 5, 2, drive, None, journal)  # type: ignore[arg-type]
        await asyncio.gather(*queue.start())
        journal.close()

    asyncio.run(go())
    assert sorted(seen) == [0, 2, 3, 4]
    errors = [e for e in read_journal(tmp_path / "j.jsonl") if e.get("type") == "driver_error"]
    assert [(e["index"], e["error"]) for e in errors] == [(1, "RuntimeError('boom')")]
