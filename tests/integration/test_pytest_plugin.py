"""The pytest plugin, tested with pytester in real subprocesses on the real stack."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

pytestmark = pytest.mark.integration
pytest_plugins = ["pytester"]

GOOD = """
name: plugin-good
workloads:
  - {name: order_saga, count: 2}
"""
SLOW = """
name: plugin-stuck
deadline: 3s
workloads:
  - {name: approval, count: 1, params: {approve: 0, reject: 0, never: 1, timeout: 60s}}
"""
BAD = """
name: plugin-bad
workloads:
  - {name: order_saga, count: -1}
"""


def test_yaml_scenarios_are_items_and_junit_works(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "good.yaml").write_text(GOOD)
    pytester.path.joinpath("scenarios", "stuck.yaml").write_text(SLOW)
    result = pytester.runpytest_subprocess("scenarios", "--junitxml=j.xml",
                                           "--harness-seed", "3", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*plugin-stuck (seed 3): fail*",
                                 "*liveness: fail: 1 of 1 workflows did not reach*"])
    suite = ET.parse(pytester.path / "j.xml").getroot().find("testsuite")
    assert suite is not None
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"plugin-good", "plugin-stuck"}
    assert cases["plugin-stuck"].find("failure") is not None
    assert list((pytester.path / "reports").glob("plugin-good-*/results.json"))


def test_malformed_scenario_is_a_collection_error(pytester: pytest.Pytester) -> None:
    pytester.mkdir("scenarios")
    pytester.path.joinpath("scenarios", "bad.yaml").write_text(BAD)
    result = pytester.runpytest_subprocess("scenarios", "-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*bad.yaml:4: workloads[[]0[]].count*"])


def test_yaml_outside_scenarios_is_not_collected(pytester: pytest.Pytester) -> None:
    pytester.path.joinpath("data.yaml").write_text("not: a scenario\n")
    pytester.makepyfile(test_x="def test_ok():\n    assert 1\n")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


def test_fixtures_for_python_scenarios(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_mine='''
from harness.checks.verdict import Status

def test_my_scenario(run_scenario, harness_stack):
    outcome = run_scenario("""
name: mine
workloads:
  - {name: fanout, count: 1, params: {children: 2, activities: 2}}
""", seed=5)
    assert outcome.results["seed"] == 5
    assert [v.status for v in outcome.verdicts] == [Status.PASS]
    assert harness_stack.temporal is not None
''')
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
