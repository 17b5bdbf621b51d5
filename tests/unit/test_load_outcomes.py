"""What a request's outcome is, read from what the driver journaled; the request mix."""

from __future__ import annotations

import json
from pathlib import Path

from harness.load.outcomes import OutcomeJournal
from harness.load.session import STRIDE, LoadDriveContext, weighted_cycle


def journal(tmp_path: Path) -> OutcomeJournal:
    return OutcomeJournal(tmp_path / "j.jsonl")


def test_expected_terminal_status_is_a_success(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.client("start", "invoke", "w1", expect="FAILED")
    j.client("start", "ok", "w1")
    j.client("result", "invoke", "w1")
    j.client("result", "fail", "w1", status="FAILED", error="compensated")
    assert j.verdict("w1") == (True, None)


def test_unexpected_status_and_indeterminate_outcomes_fail(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.client("start", "invoke", "w1", expect="COMPLETED")
    j.client("start", "ok", "w1")
    j.client("result", "fail", "w1", status="FAILED", error="boom")
    assert j.verdict("w1") == (False, "expected COMPLETED, got FAILED")
    j.client("start", "invoke", "w2")
    j.client("start", "info", "w2", error="RPCError('deadline exceeded')")
    assert j.verdict("w2") == (False, "start indeterminate: RPCError")
    j.client("start", "invoke", "w3")
    j.client("start", "ok", "w3")
    assert j.verdict("w3") == (False, "the result was never awaited")
    assert j.verdict("unknown") == (False, "no start was journaled")


def test_open_operations_are_closed_as_info(tmp_path: Path) -> None:
    j = journal(tmp_path)
    j.client("start", "invoke", "w1")
    assert j.starting() == 1
    j.client("start", "ok", "w1")
    j.client("signal", "invoke", "w1", request_id="r1", amount=5)
    assert j.starting() == 0
    j.close_open("w1", "cancelled")
    j.close()
    last = json.loads((tmp_path / "j.jsonl").read_text().splitlines()[-1])
    assert (last["op"], last["type"], last["request_id"], last["amount"]) == (
        "signal", "info", "r1", 5)


def test_weighted_cycle_keeps_proportions_interleaved() -> None:
    cycle = weighted_cycle([6, 2, 2])
    assert len(cycle) == 5 and cycle.count(0) == 3 and cycle.count(1) == cycle.count(2) == 1
    assert cycle[:2] != [0, 0] or cycle[2] != 0  # not all of one kind first
    assert weighted_cycle([4]) == [0]


def test_ids_name_the_process_and_stay_unique(tmp_path: Path) -> None:
    from harness.load.session import NoParams

    ctx = LoadDriveContext(client=None, journal=journal(tmp_path), run_id="run",  # type: ignore[arg-type]
                           task_queue="q", seed=1, workload="order_saga", params=NoParams(),
                           label="order_saga", process=2)
    assert ctx.workflow_id(2 * STRIDE + 7) == "run/order_saga-2-7"
    assert ctx.workflow_id(1 * STRIDE + 7) != ctx.workflow_id(2 * STRIDE + 7)
