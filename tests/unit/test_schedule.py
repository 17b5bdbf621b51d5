"""Seeded schedules: the same seed gives byte-identical plans; different seeds differ."""

from __future__ import annotations

import pytest

from harness.catalog import default_catalog
from harness.errors import ScenarioError
from harness.faults.nemesis import Nemesis
from harness.scenario import parse_scenario
from harness.schedule import plan, to_json

SCENARIO = """
name: sched
deadline: 60s
workloads: [{name: order_saga, count: 1}]
faults:
  - {type: worker_kill, every: 5s, jitter: 2s, times: 4}
  - {type: network, link: services, toxic: latency, attributes: {latency: 100}, at: 3s,
     jitter: 1s, duration: 2s}
  - {type: worker_crash, after: {event: activity_completed, count: 3}}
  - {type: duplicate_delivery, rate: 0.2}
"""


def scenario():  # type: ignore[no-untyped-def]
    return parse_scenario(SCENARIO, "<test>", default_catalog())


def test_same_seed_identical_bytes() -> None:
    a = to_json(plan(scenario().faults, 42, 60))
    b = to_json(plan(scenario().faults, 42, 60))
    assert a == b


def test_different_seeds_differ() -> None:
    assert to_json(plan(scenario().faults, 1, 60)) != to_json(plan(scenario().faults, 2, 60))


def test_every_expands_with_jitter_within_bounds() -> None:
    firings = [f for f in plan(scenario().faults, 7, 60) if f.type == "worker_kill"]
    assert len(firings) == 4
    for n, f in enumerate(firings):
        assert f.at is not None and 5 * n <= f.at <= 5 * n + 2
    assert [f.fault_id for f in plan(scenario().faults, 7, 60)][:5] == ["f1", "f2", "f3", "f4",
                                                                         "f5"]


def test_event_trigger_is_planned_without_a_time() -> None:
    crash = next(f for f in plan(scenario().faults, 7, 60) if f.type == "worker_crash")
    assert crash.at is None and crash.after == {"event": "activity_completed", "count": 3,
                                                "activity_type": None}


def test_worker_side_faults_reach_the_worker_config() -> None:
    kinds = sorted(f["kind"] for f in Nemesis(scenario(), 3).worker_faults())
    assert kinds == ["crash", "duplicate"]


def test_at_and_after_together_is_rejected() -> None:
    with pytest.raises(ScenarioError, match="faults\\[0\\]"):
        parse_scenario("""
name: bad
workloads: [{name: entity, count: 1}]
faults:
  - {type: worker_kill, at: 1s, after: {event: workflow_started, count: 1}}
""", "bad.yaml", default_catalog())


def test_unknown_toxic_is_rejected_with_its_line() -> None:
    with pytest.raises(ScenarioError, match=r"bad.yaml:5: faults\[0\].toxic"):
        parse_scenario("""
name: bad
workloads: [{name: entity, count: 1}]
faults:
  - {type: network, link: services, toxic: gremlins, duration: 1s}
""", "bad.yaml", default_catalog())
