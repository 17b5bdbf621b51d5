"""The check registry and the mutants: every check is registered, strict, unknown on an empty
run, and has a mutant registered as a version of its workload that keeps the type names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from harness.checks.determinism import type_name
from harness.checks.registry import CHECKS, run_check
from harness.checks.verdict import Status
from harness.scenario import parse_scenario
from harness.workloads.registry import WORKLOADS
from tests.unit.runbuilder import RunBuilder

# check -> (workload, mutant version) that makes it fail
MUTANTS = {
    "idempotency": ("order_saga", "mutant-no-idempotency-key"),
    "compensation": ("order_saga", "mutant-skip-compensation"),
    "resume_from_last_step": ("order_saga", "mutant-no-checkpoint"),
    "determinism": ("order_saga", "v2-unpatched"),
    "entity_consistency": ("entity", "mutant-no-dedupe"),
    "callback_resolution": ("approval", "mutant-lost-early-callback"),
    "fanout_integrity": ("fanout", "mutant-child-new-id"),
    "nondeterminism": ("order_saga", "v2-unpatched"),
    "liveness": ("approval", "mutant-lost-early-callback"),
    "recovery_slo": ("order_saga", "mutant-no-heartbeat-timeout"),
    "practices": ("order_saga", "mutant-no-heartbeat-timeout"),
    "retries_bounded": ("order_saga", "mutant-retry-storm"),
}


def test_every_check_has_a_selftest_case_with_a_registered_mutant() -> None:
    from harness.selftest import CASES

    assert {case.check for case in CASES} == set(CHECKS)
    for case in CASES:
        assert case.mutant in {v for w in WORKLOADS.values() for v in w.versions}, case


def test_selftest_has_a_row_per_failure_branch_with_its_planted_reason() -> None:
    from harness.selftest import CASES, Group, groups

    assert len(CASES) >= 20
    assert len({(c.check, c.branch) for c in CASES}) == len(CASES)
    assert all(c.planted and c.where in ("suite", "certify") for c in CASES)
    for group in groups(CASES):
        for version in group.versions():
            scenario = parse_scenario(Group(group.scenario, group.cases).text(version), "<t>")
            assert {c.name for c in scenario.checks} == {c.check for c in group.cases}


def test_every_check_is_registered_with_strict_options() -> None:
    assert set(MUTANTS) == set(CHECKS)
    for check in CHECKS.values():
        assert check.options_model.model_config.get("extra") == "forbid", check.name
        with pytest.raises(ValidationError):
            check.options_model(no_such_option=1)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_is_unknown_on_a_run_where_nothing_happened(tmp_path: Path,
                                                                 name: str) -> None:
    run = RunBuilder(tmp_path).build()
    options = {"p95_s": 1.0} if name == "recovery_slo" else {}
    assert run_check(name, run, options).status == Status.UNKNOWN


@pytest.mark.parametrize("check", sorted(MUTANTS))
def test_each_check_has_a_mutant_that_keeps_the_workflow_type_names(check: str) -> None:
    workload, version = MUTANTS[check]
    versions = WORKLOADS[workload].versions
    assert version in versions
    assert {type_name(c) for c in versions[version]} == {type_name(c) for c in versions["v1"]}


def test_activity_mutants_keep_the_activity_names() -> None:
    from temporalio.activity import _Definition

    from harness.services.client import ServicesClient

    services = ServicesClient("http://127.0.0.1:9")
    order_saga = WORKLOADS["order_saga"]

    def names(version: str) -> set[str]:
        return {_Definition.must_from_callable(f).name
                for f in order_saga.activities(services, version)}

    for version in ("mutant-no-idempotency-key", "mutant-no-checkpoint", "mutant-retry-storm"):
        assert names(version) == names("v1")
    assert names("v2-unpatched") == names("v1") | {"notify_order"}
