"""Scenarios that load but cannot mean what they say are bad input (exit 2), before anything
starts: one line naming file, line and field, and the real cause."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from harness.errors import ScenarioError
from harness.scenario import MAX_COUNT, load_scenario

HEAD = "name: bad\ndeadline: 10s\nworkloads:\n  - {name: order_saga, count: 2}\n"

CASES = {
    "fault after the deadline": (
        HEAD + "faults:\n  - {type: worker_kill, at: 30s}\n",
        "6: faults[0].at: fires at 30s, after the deadline (10s)"),
    "deploy of a workload not run": (
        HEAD + "faults:\n  - {type: deploy, workload: approval, to: v2-unpatched}\n",
        "6: faults[0].workload: deploys 'approval', which this scenario does not run"),
    "crash aimed at an unknown activity": (
        HEAD + "faults:\n  - {type: worker_crash, activity_type: pack_ordr}\n",
        "6: faults[0].activity_type: no workload of this scenario runs an activity "
        "'pack_ordr'"),
    "duplicates of an activity of another workload": (
        HEAD + "faults:\n  - {type: duplicate_delivery, activity_types: [process_item]}\n",
        "6: faults[0].activity_types: no workload of this scenario runs an activity "
        "'process_item'"),
    "trigger on an unknown activity": (
        HEAD + "faults:\n  - type: worker_kill\n    after: {event: activity_started, "
        "count: 1, activity_type: nope}\n",
        "faults[0].after.activity_type: no workload of this scenario runs an activity"),
    "a worker slot that does not exist": (
        HEAD + "faults:\n  - {type: worker_crash, slot: 3}\n",
        "6: faults[0].slot: worker slot 3 does not exist (workers.count is 1)"),
    "kill of a worker slot that does not exist": (
        HEAD + "workers: {count: 2}\nfaults:\n  - {type: worker_kill, workers: 5}\n",
        "7: faults[0].workers: worker slot 5 does not exist (workers.count is 2)"),
    "a count past the maximum": (
        "name: bad\nworkloads:\n  - {name: order_saga, count: 1000000000}\n",
        f"3: workloads[0].count: must be <= {MAX_COUNT}"),
    "a check that is not a check": (
        HEAD + "checks: ['harness.checks.verdict:merge_verdicts']\n",
        "5: checks[0].name: harness.checks.verdict:merge_verdicts: "
        "harness.checks.verdict:merge_verdicts is not a check function"),
    "a check module that is missing": (
        HEAD + "checks: ['no_such_pkg.checks:mine']\n",
        "5: checks[0].name: no_such_pkg.checks:mine: cannot import module "
        "'no_such_pkg.checks': No module named 'no_such_pkg'"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_impossible_scenarios_are_one_line_with_file_line_field(tmp_path: Path,
                                                                case: str) -> None:
    text, words = CASES[case]
    path = tmp_path / "s.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message and message.startswith(f"{path}:"), message
    assert f"{path}:{words}" in message or words in message, message


def test_a_user_module_that_fails_to_import_names_the_real_import_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Defect: a module failing to import read 'unknown workload' (the ImportError was
    swallowed)."""
    (tmp_path / "brokenwl.py").write_text("import nonexistent_dependency\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "s.yaml"
    path.write_text("name: bad\nworkloads:\n  - {name: 'brokenwl:W', count: 1}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert str(caught.value) == (
        f"{path}:3: workloads[0].name: brokenwl:W: cannot import module 'brokenwl': "
        "No module named 'nonexistent_dependency'")
    sys.modules.pop("brokenwl", None)


def test_an_object_that_is_not_a_workload_says_so(tmp_path: Path) -> None:
    path = tmp_path / "s.yaml"
    path.write_text("name: bad\nworkloads:\n"
                    "  - {name: 'harness.checks.verdict:merge_verdicts', count: 1}\n")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert "is not a harness.workloads.base.Workload" in str(caught.value)


def test_a_bad_suite_manifest_names_file_line_and_field(tmp_path: Path) -> None:
    """Defect: manifest errors named no line."""
    from harness.certify import load_suite
    from harness.errors import UsageError

    (tmp_path / "_suite.yaml").write_text("name: x\nselftest: maybe\n")
    with pytest.raises(UsageError) as caught:
        load_suite(tmp_path)
    assert str(caught.value) == (f"{tmp_path / '_suite.yaml'}:2: selftest: expected true or "
                                 "false, got 'maybe'")
