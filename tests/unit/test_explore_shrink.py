"""The shrinker over a fake runner (a predicate over scenarios): 1-minimal results."""

from __future__ import annotations

import asyncio
from typing import Any

from harness.catalog import default_catalog
from harness.explore.shrink import ddmin, number_fields, shrink, with_value
from harness.scenario import Scenario, parse_scenario

BIG = """
name: big
seed: 7
workloads:
  - {name: order_saga, count: 9, concurrency: 6, params: {pack_items: 4}}
  - {name: entity, count: 3}
workers: {count: 2}
faults:
  - {type: network, link: services, toxic: latency, attributes: {latency: 300}, at: 2s,
     duration: 3s}
  - {type: duplicate_delivery, rate: 0.9, activity_types: [charge_payment]}
  - {type: server_restart, at: 4s, down_for: 2s}
  - {type: worker_kill, at: 2.5s, restart_after: 1s}
checks: [liveness, idempotency]
"""


def bug(scenario: Scenario) -> bool:
    """The fake failure: a duplicate charge at rate >= 0.4 plus a worker kill within 3 s,
    with at least 3 orders running two at a time."""
    faults = [f.model_dump() for f in scenario.faults]
    dup = any(f["type"] == "duplicate_delivery" and f["rate"] >= 0.4 for f in faults)
    kill = any(f["type"] == "worker_kill" and f["at"] <= 3.0 for f in faults)
    orders = [w for w in scenario.workloads if w.name == "order_saga"]
    return dup and kill and any(w.count >= 3 and w.concurrency >= 2 for w in orders)


def run_shrink(predicate: Any) -> Any:
    calls: list[Scenario] = []

    async def fails(candidate: Scenario) -> bool:
        calls.append(candidate)
        return predicate(candidate)

    big = parse_scenario(BIG, "<big>", default_catalog())
    return asyncio.run(shrink(big, fails)), calls


def single_moves(scenario: Scenario) -> list[dict[str, Any]]:
    """Every scenario one move away: drop one fault, drop one workload, or lower one number
    by one step (the moves the shrinker promises 1-minimality for)."""
    data = scenario.to_dict()
    out = [{**data, "faults": data["faults"][:i] + data["faults"][i + 1:]}
           for i in range(len(data["faults"]))]
    if len(data["workloads"]) > 1:
        out += [{**data, "workloads": data["workloads"][:i] + data["workloads"][i + 1:]}
                for i in range(len(data["workloads"]))]
    for number in number_fields(data):
        out += [with_value(data, number.path, value) for value in number.candidates()]
    return out


def test_shrinks_to_the_two_faults_that_matter_with_the_smallest_numbers() -> None:
    result, calls = run_shrink(bug)
    small = result.scenario
    assert result.minimal
    assert [f.type for f in small.faults] == ["duplicate_delivery", "worker_kill"]
    assert [w.name for w in small.workloads] == ["order_saga"]
    order = small.workloads[0]
    assert (order.count, order.concurrency) == (3, 2)
    assert small.workers.count == 1
    dup, kill = (f.model_dump() for f in small.faults)
    assert dup["rate"] == 0.4
    assert kill["at"] == 0.0 and kill["restart_after"] == 0.0
    assert bug(small)
    assert len(result.steps) == len(calls)  # every candidate run is a step
    assert result.kept >= 5


def test_the_result_is_one_minimal() -> None:
    result, _ = run_shrink(bug)
    neighbours = single_moves(result.scenario)
    assert neighbours
    for data in neighbours:
        try:
            candidate = Scenario.model_validate(data)
        except ValueError:
            continue
        assert not bug(candidate), f"a smaller scenario still fails: {data}"


def test_a_failure_needing_no_fault_loses_every_fault() -> None:
    result, _ = run_shrink(lambda s: any(w.name == "entity" for w in s.workloads))
    assert result.scenario.faults == []
    assert [w.name for w in result.scenario.workloads] == ["entity"]
    assert result.scenario.workloads[0].count == 1


def test_candidates_are_never_run_twice() -> None:
    _, calls = run_shrink(bug)
    dumps = [c.dump_yaml() for c in calls]
    assert len(dumps) == len(set(dumps))


def test_out_of_budget_returns_the_smallest_failing_so_far() -> None:
    runs = 0

    def time_left() -> bool:
        return runs < 16  # out of time in the middle of the numbers

    kept: list[Scenario] = []

    async def fails(candidate: Scenario) -> bool:
        nonlocal runs
        runs += 1
        kept.append(candidate)
        return bug(candidate)

    big = parse_scenario(BIG, "<big>", default_catalog())
    result = asyncio.run(shrink(big, fails, time_left))
    assert not result.minimal
    assert len(result.steps) == 16
    assert bug(result.scenario)
    # what was kept before the budget ran out is kept
    assert [f.type for f in result.scenario.faults] == ["duplicate_delivery", "worker_kill"]
    assert result.scenario.workloads[0].count < 9
    assert result.scenario.to_dict() == next(
        s for s in reversed(kept) if bug(s)).to_dict()


def test_ddmin_finds_a_one_minimal_subset() -> None:
    async def fails(items: list[int]) -> bool:
        return {3, 7} <= set(items)

    assert asyncio.run(ddmin(list(range(10)), fails)) == [3, 7]


def test_faults_waiting_for_events_wait_for_fewer() -> None:
    def late_kill(scenario: Scenario) -> bool:
        return any(f.model_dump()["type"] == "worker_kill"
                   and (f.model_dump()["after"] or {}).get("count", 0) >= 3
                   for f in scenario.faults)

    text = BIG.replace("{type: worker_kill, at: 2.5s, restart_after: 1s}",
                       "{type: worker_kill, after: {event: activity_started, count: 9}}")
    big = parse_scenario(text, "<big>", default_catalog())

    async def fails(candidate: Scenario) -> bool:
        return late_kill(candidate)

    result = asyncio.run(shrink(big, fails))
    (kill,) = (f.model_dump() for f in result.scenario.faults)
    assert kill["after"]["count"] == 3
    assert result.minimal
