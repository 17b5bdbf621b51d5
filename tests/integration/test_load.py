"""`harness load` on the real stack: Locust's count is Temporal's count; killed requests fail.

Locust runs in its own subprocesses (never imported here). Each test is one short run on
the session's stack.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from harness.checks.verdict import Status
from harness.load.driver import LocustDriver
from harness.load.options import LoadOptions
from harness.runner import RunOutcome, run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack
from harness.workloads.settings import SEARCH_ATTRIBUTE

pytestmark = pytest.mark.integration

ORDERS = """
name: load-test
deadline: 90s
workloads:
  - {name: order_saga, count: 3, params: {failure_rates: {charge: 0.2}}}
  - {name: approval, count: 1, params: {callback_delay: 0.1, timeout: 1s}}
"""
SLOW_ORDERS = """
name: load-killed
deadline: 90s
workloads:
  - {name: order_saga, count: 1, params: {pack_items: 8, pack_item_seconds: 0.25}}
"""


def run_load(stack: Stack, out: Path, text: str, options: LoadOptions
             ) -> tuple[RunOutcome, LocustDriver]:
    driver = LocustDriver(options)
    scenario = parse_scenario(text, "<test>")
    options.validate(scenario.deadline)
    outcome = asyncio.run(run_scenario(scenario, stack, out, seed=3, driver=driver))
    return outcome, driver


def temporal_count(stack: Stack, run_id: str) -> int:
    async def count() -> int:
        client = await stack.direct.connect()  # type: ignore[union-attr]
        return (await client.count_workflows(f"{SEARCH_ATTRIBUTE} = '{run_id}'")).count

    return asyncio.run(count())


def client_entries(outcome: RunOutcome, op: str, phase: str) -> list[dict]:
    return [e for e in outcome.run.journal
            if e.get("kind") == "client" and e.get("op") == op and e.get("type") == phase]


def test_locust_count_equals_temporal_count(stack: Stack, tmp_path: Path) -> None:
    outcome, driver = run_load(stack, tmp_path, ORDERS, LoadOptions(users=4, duration=4))
    requests = driver.summary["aggregated"]["requests"]
    assert requests > 0
    assert driver.summary["aggregated"]["failures"] == 0, driver.summary["failures"]
    assert requests == temporal_count(stack, outcome.run.meta["run_id"])
    assert requests == len(client_entries(outcome, "start", "ok"))
    names = {row["name"] for row in driver.summary["stats"]}
    assert {"order_saga", "approval", "Aggregated"} <= names
    assert all(v.status == Status.PASS for v in outcome.verdicts), outcome.verdicts
    merged = [e for e in outcome.run.journal if "load_process" in e]
    assert merged and all(e["load_process"] == 0 for e in merged)
    assert (outcome.run.path / "load" / "locust_stats.csv").exists()


def test_a_request_killed_at_shutdown_is_a_failure(stack: Stack, tmp_path: Path) -> None:
    # Each order packs for about 2 s; the load lasts 1 s and in-flight requests are killed.
    outcome, driver = run_load(stack, tmp_path, SLOW_ORDERS,
                               LoadOptions(users=3, duration=1, stop_timeout=0))
    agg = driver.summary["aggregated"]
    assert agg["failures"] == agg["requests"] >= 3
    assert {f["error"] for f in driver.summary["failures"]} == {
        "killed at stop: the client stopped waiting (journaled as info)"}
    csv = (outcome.run.path / "load" / "locust_failures.csv").read_text()
    assert "killed at stop" in csv
    infos = client_entries(outcome, "result", "info")
    assert len(infos) == agg["requests"]
    assert all("cancelled" in e["error"] for e in infos)
    # The workflows themselves went on, and finished during the drain.
    assert agg["requests"] == temporal_count(stack, outcome.run.meta["run_id"])
    assert driver.summary["still_running_after_drain"] == 0
    liveness = next(v for v in outcome.verdicts if v.check == "liveness")
    assert liveness.status == Status.PASS, liveness


def test_distributed_master_and_two_workers(stack: Stack, tmp_path: Path) -> None:
    outcome, driver = run_load(stack, tmp_path, ORDERS,
                               LoadOptions(users=4, duration=4, processes=2))
    assert driver.summary["exit_codes"] == {"locust-master": 0, "locust-worker-1": 0,
                                            "locust-worker-2": 0}
    requests = driver.summary["aggregated"]["requests"]
    assert requests == temporal_count(stack, outcome.run.meta["run_id"]) > 0
    processes = {e["load_process"] for e in outcome.run.journal if "load_process" in e}
    assert processes == {1, 2}
    ids = [e["workflow_id"] for e in client_entries(outcome, "start", "ok")]
    assert len(ids) == len(set(ids)) == requests
    assert {wid.rsplit("-", 2)[1] for wid in ids} == {"1", "2"}
    assert all(v.status == Status.PASS for v in outcome.verdicts), outcome.verdicts


def test_open_loop_arrival_rate(stack: Stack, tmp_path: Path) -> None:
    outcome, driver = run_load(stack, tmp_path, ORDERS,
                               LoadOptions(users=2, duration=3, arrival_rate=4))
    requests = driver.summary["aggregated"]["requests"]
    assert requests == temporal_count(stack, outcome.run.meta["run_id"]) > 0
    config = json.loads((outcome.run.path / "load" / "config.json").read_text())
    assert config["arrival_rate"] == 4
    assert "ArrivalUser" in (outcome.run.path / "load" / "locust.log").read_text()
    arrival = driver.summary["arrival_rate"]
    assert arrival["requested_per_s"] == 4 and arrival["starts"] == requests
    assert arrival["achieved_per_s"] == round(requests / 3, 3)
