"""Users' apps named by import path on the real stack: workflows with no argument and with
two, activities reading the scenario's params, an inexact expectation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from harness.checks.verdict import Status

pytestmark = pytest.mark.integration

SCENARIO = """
name: user-apps
deadline: 60s
workloads:
  - app:
      workflow: tests.integration.user_app:NoArgs
      activities: tests.integration.user_app:activities
    count: 2
    params: {suffix: "!"}
  - app:
      workflow: tests.integration.user_app:TwoArgs
      input: tests.integration.user_app:two_inputs
      expect: [COMPLETED, FAILED]
    count: 4
checks: [liveness, practices]
"""


def test_apps_with_no_and_several_arguments_and_inexact_expectations(
        run_scenario: Callable[..., Any]) -> None:
    outcome = run_scenario(SCENARIO, seed=5)
    assert {v.check: v.status for v in outcome.verdicts} == {
        "liveness": Status.PASS, "practices": Status.PASS}, outcome.verdicts
    ended = {(r["workflow_type"], r["status"], r.get("result")) for r in outcome.run.workflows}
    assert ended == {
        ("NoArgs", "COMPLETED", "none!"),  # the activity read `suffix` from the params
        ("TwoArgs", "FAILED", None),  # odd counts fail by design: expected either way
        ("TwoArgs", "COMPLETED", "hi n1 hi n1!"), ("TwoArgs", "COMPLETED",
                                                    "hi n3 hi n3 hi n3 hi n3!")}
    starts = [e for e in outcome.run.journal if e.get("op") == "start" and e["type"] == "invoke"
              and e.get("workflow_type") == "TwoArgs"]
    assert sorted(e["input"][1] for e in starts) == [1, 2, 3, 4]
