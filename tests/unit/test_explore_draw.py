"""Explore's declared space and its draws: deterministic per seed, valid, every family."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.explore.draw import draw
from harness.explore.space import load_spaces, parse_space
from harness.faults.cluster import CLUSTER_FAULTS
from harness.faults.registry import FAULTS

ROOT = Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "scenarios" / "explore" / "reference.yaml"


def reference():  # type: ignore[no-untyped-def]
    return load_spaces([REFERENCE])[0]


def test_same_seed_same_sequence() -> None:
    first = [draw(reference(), 42, i).dump_yaml() for i in range(12)]
    again = [draw(reference(), 42, i).dump_yaml() for i in range(12)]
    assert first == again


def test_a_draw_does_not_depend_on_the_draws_before_it() -> None:
    assert draw(reference(), 42, 7) == draw(reference(), 42, 7)
    alone = draw(reference(), 42, 7).dump_yaml()
    for i in range(7):
        draw(reference(), 42, i)
    assert draw(reference(), 42, 7).dump_yaml() == alone


def test_other_seeds_draw_other_scenarios() -> None:
    a = [draw(reference(), 1, i).to_dict() for i in range(5)]
    b = [draw(reference(), 2, i).to_dict() for i in range(5)]
    strip = [{k: v for k, v in d.items() if k not in ("name", "description", "seed")}
             for d in a + b]
    assert strip[:5] != strip[5:]


def test_the_default_space_covers_every_fault_family() -> None:
    """Every family the dev server can take (the cluster faults need the cluster stack)."""
    space = reference()
    families = set(FAULTS) - CLUSTER_FAULTS
    assert {f.type for f in space.faults} == families
    drawn = {f.type for i in range(60) for f in draw(space, 3, i).faults}
    assert drawn == families, f"60 draws never drew {families - drawn}"


def test_draws_fit_the_space() -> None:
    space = reference()
    for i in range(40):
        scenario = draw(space, 9, i)
        assert 1 <= len(scenario.workloads) <= 2
        assert 1 <= scenario.workers.count <= 2
        assert len(scenario.faults) <= 3
        names = {w.name for w in scenario.workloads}
        for fault in scenario.faults:
            if fault.type == "deploy":  # type: ignore[attr-defined]
                assert "order_saga" in names  # its `needs`
        assert {c.name for c in scenario.checks} >= {"liveness", "determinism"}


def test_mutant_spaces_borrow_the_reference_families() -> None:
    spaces = load_spaces([ROOT / "scenarios" / "explore" / "mutants"])
    assert spaces
    for space in spaces:
        assert all(w.name == "order_saga" for w in space.workloads)
        assert {f.type for f in space.faults} >= {"duplicate_delivery", "worker_crash",
                                                 "worker_kill"}
        assert all(set(f.needs) <= {"order_saga"} for f in space.faults)


def test_a_plain_scenario_is_explored_with_its_own_workloads(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    space = load_spaces([ROOT / "scenarios" / "smoke.yaml"])[0]
    scenario = draw(space, 5, 0)
    assert [w.name for w in scenario.workloads] == ["order_saga", "entity", "fanout",
                                                    "approval"]
    assert [c.name for c in scenario.checks] == ["liveness"]


@pytest.mark.parametrize("text, where", [
    ("space: s\nworkloads:\n  - name: order_saga\n    count: {range: [5, 2]}\n",
     ":4: workloads[0].count.range: low 5 is above high 2"),
    ("space: s\nworkloads:\n  - {name: order_saga}\nfaults:\n  - type: worker_kil\n",
     ":5: faults[0].type: unknown fault type 'worker_kil'"),
    ("space: s\nworkloads:\n  - {name: order_saga}\nfaults:\n"
     "  - {type: network, link: {choice: [nowhere]}, toxic: latency, duration: 1s}\n",
     ":5: faults[0].link:"),
    ("space: s\nworkloads:\n  - {name: order_saga, versions: [v9]}\n",
     ":3: workloads[0].versions: unknown version of order_saga 'v9'"),
])
def test_a_bad_space_is_one_line_naming_file_line_and_field(text: str, where: str) -> None:
    with pytest.raises(ScenarioError) as err:
        parse_space(text, "bad.yaml")
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("bad.yaml" + where), message
