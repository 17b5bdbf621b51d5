"""Aimed crashes in the worker-side interceptor, with a fake event log and no real kill."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from harness.faults import interceptor
from harness.faults.worker import WorkerCrash


class FakeOwner:
    """What `_aim` reads from the interceptor: its armed crashes and its event log."""

    def __init__(self, crash: WorkerCrash) -> None:
        self.crashes = [dict(f, seen=0) for f in crash.worker_side("f1", seed=1)]
        self.written: list[dict[str, Any]] = []
        self.events = self

    def write(self, event: str, **fields: Any) -> None:
        self.written.append({"event": event, **fields})


def aim(owner: Any, *event: Any) -> None:
    interceptor._aim(owner, *event)


@pytest.fixture
def kills(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    killed: list[str] = []
    monkeypatch.setattr(interceptor, "_crash_now", lambda: killed.append("now"))
    monkeypatch.setattr(interceptor, "_crash_later", lambda d: killed.append(f"after {d}"))
    return killed


def test_a_heartbeat_crash_counts_the_beats_of_one_attempt(kills: list[str]) -> None:
    """Two packs heartbeat in turn: the worker's 2nd heartbeat is pack B's first (no
    checkpoint yet), so the crash waits for the attempt that reaches its own 2nd."""
    owner = FakeOwner(WorkerCrash(when="activity_heartbeat", activity_type="pack_order", nth=2))
    a, b = ("wf-a", "3", 1), ("wf-b", "3", 1)
    aim(owner, "activity_heartbeat", "pack_order", a)
    aim(owner, "activity_heartbeat", "pack_order", b)
    assert kills == []
    aim(owner, "activity_heartbeat", "pack_order", a)
    assert kills == ["now"]
    assert owner.written == [{"event": "injected", "injection": "crash_activity_heartbeat",
                              "fault_id": "f1"}]
    aim(owner, "activity_heartbeat", "pack_order", b)
    assert kills == ["now"]  # fires once


def test_a_retry_counts_its_own_heartbeats(kills: list[str]) -> None:
    owner = FakeOwner(WorkerCrash(when="activity_heartbeat", nth=2, delay=0.2))
    aim(owner, "activity_heartbeat", "pack_order", ("w", "3", 1))
    aim(owner, "activity_heartbeat", "pack_order", ("w", "3", 2))
    assert kills == []
    aim(owner, "activity_heartbeat", "pack_order", ("w", "3", 2))
    assert kills == ["after 0.2"]


def test_starts_count_over_the_worker_and_other_events_do_not_count(
        kills: list[str]) -> None:
    owner = FakeOwner(WorkerCrash(when="activity_started", activity_type="pack_order", nth=2))
    aim(owner, "activity_started", "charge_payment")
    aim(owner, "activity_heartbeat", "pack_order", ("w", "3", 1))
    aim(owner, "activity_started", "pack_order")
    assert kills == []
    aim(owner, "activity_started", "pack_order")
    assert kills == ["now"]


def test_duplicate_deliveries_hit_the_same_activities_in_every_run() -> None:
    """A new run id must not move the hits: the minimal scenario explore writes fails the
    same way on every `harness run`."""
    fault = {"kind": "duplicate", "mode": "lost_completion", "rate": 0.3,
             "activity_types": ["charge_payment"], "seed": 11, "fault_id": "f1"}

    def hits(run_id: str) -> list[bool]:
        return [interceptor.duplicate_for([fault], SimpleNamespace(
            attempt=1, activity_type="charge_payment", workflow_id=f"{run_id}/order_saga-{i}",
            activity_id="2")) is not None for i in range(40)]

    assert hits("run-a-20261130T140302-5f41") == hits("run-b-20261130T140330-c304")
    assert 0 < sum(hits("run-a")) < 40
    retry = SimpleNamespace(attempt=2, activity_type="charge_payment", workflow_id="r/o-1",
                            activity_id="2")
    assert interceptor.duplicate_for([dict(fault, rate=1.0)], retry) is None
