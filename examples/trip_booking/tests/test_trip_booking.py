"""The trip booking app under the harness: the correct version passes every generic check
under the faults of its scenario, and each planted bug is caught by the check made for it,
with evidence naming the workflow and the step. One run per version, shared by the tests."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from harness.checks.verdict import Status, Verdict
from harness.judge import judge
from harness.runner import RunOutcome, run_scenario
from harness.scenario import load_scenario

pytestmark = pytest.mark.integration
SCENARIO = Path(__file__).parents[1] / "scenarios" / "trip-chaos.yaml"
VERSIONS = ("v1", "no-key", "late-compensation", "no-checkpoint", "late-count", "sloppy-undo",
            "start-over", "careless")


@pytest.fixture(scope="module")
def outcomes(harness_stack: Any, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, RunOutcome]:
    """Each version run once on the shared stack, each with its own database."""
    out = tmp_path_factory.mktemp("trip_booking")
    found: dict[str, RunOutcome] = {}
    for version in VERSIONS:
        scenario = load_scenario(SCENARIO)
        spec = scenario.workloads[0]
        spec.version = version
        spec.params = {**spec.params, "db": str(out / f"{version}.sqlite")}
        found[version] = asyncio.run(run_scenario(scenario, harness_stack, out / "runs"))
    return found


def verdict(outcome: RunOutcome, check: str) -> Verdict:
    return next(v for v in outcome.verdicts if v.check == check)


def test_the_correct_version_passes_every_check(outcomes: dict[str, RunOutcome]) -> None:
    outcome = outcomes["v1"]
    assert {v.check: v.status for v in outcome.verdicts} == {
        "liveness": Status.PASS, "compensation": Status.PASS, "idempotency": Status.PASS,
        "resume_from_last_step": Status.PASS, "practices": Status.PASS,
        "faults": Status.PASS}, outcome.verdicts  # and both faults landed
    assert outcome.exit_code == 0
    # Each check judged something: the faults of the scenario landed.
    assert verdict(outcome, "compensation").stats["sagas_undone"] >= 1
    assert verdict(outcome, "idempotency").stats["duplicate_deliveries"] >= 1
    assert verdict(outcome, "resume_from_last_step").stats["checkpoint_resumes"] >= 1


def test_a_charge_without_idempotency_key_is_caught(outcomes: dict[str, RunOutcome]
                                                    ) -> None:
    outcome = outcomes["no-key"]
    found = verdict(outcome, "idempotency")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    for row in found.evidence:
        assert row["step"] == "charge_card" and row["workflow_id"].startswith(
            outcome.run.meta["run_id"])
        assert len(row["deliveries"]) >= 2  # the duplicate delivery that preceded it


def test_a_compensation_registered_after_its_step_is_caught(outcomes: dict[str, RunOutcome]
                                                            ) -> None:
    outcome = outcomes["late-compensation"]
    found = verdict(outcome, "compensation")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    assert {(r["step"], r["compensation"]) for r in found.evidence} == {
        ("book_hotel", "cancel_hotel")}
    assert all(r["workflow_id"] and r["history"] for r in found.evidence)


def test_compensations_for_nothing_out_of_order_or_after_success_are_caught(
        outcomes: dict[str, RunOutcome]) -> None:
    outcome = outcomes["sloppy-undo"]
    found = verdict(outcome, "compensation")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    observed = {(r["status"], r["step"]) for r in found.evidence}
    assert ("COMPLETED", "book_flight") in observed  # undone although the trip completed
    assert ("FAILED", "book_car") in observed  # a car never booked was cancelled
    assert ("FAILED", "order") in observed  # the flight released before the hotel


def test_starting_over_after_a_crash_is_caught(outcomes: dict[str, RunOutcome]) -> None:
    outcome = outcomes["start-over"]
    found = verdict(outcome, "resume_from_last_step")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    assert {r["rule"] for r in found.evidence} == {"finished step scheduled again"}
    assert {r["step"] for r in found.evidence} >= {"book_flight", "book_hotel"}


def test_a_long_activity_ignoring_its_checkpoint_is_caught(outcomes: dict[str, RunOutcome]
                                                           ) -> None:
    outcome = outcomes["no-checkpoint"]
    found = verdict(outcome, "resume_from_last_step")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    for row in found.evidence:
        assert row["rule"] == "checkpoint lost" and row["step"] == "issue_tickets"
        assert row["retry"]["started_from"] and row["workflow_id"]


def test_a_signal_lost_before_the_wait_is_caught(outcomes: dict[str, RunOutcome]) -> None:
    outcome = outcomes["late-count"]
    found = verdict(outcome, "liveness")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    assert all("payment_confirmed" in (r.get("failure") or "") for r in found.evidence)


def test_the_usual_pitfalls_are_caught(outcomes: dict[str, RunOutcome]) -> None:
    outcome = outcomes["careless"]
    found = verdict(outcome, "practices")
    assert found.status == Status.FAIL and outcome.exit_code == 1
    assert {(e["rule"], e["activity_type"]) for e in found.evidence} >= {
        ("long activity without heartbeat timeout", "issue_tickets"),
        ("payload too large", "issue_tickets"),
        ("business error retried to exhaustion", "book_car"),
        ("unbounded retries of a failing activity", "notify_traveller")}
    assert all(e["workflow_ids"] and e["example"]["history"] for e in found.evidence)


def test_a_stored_run_is_judged_again_offline(outcomes: dict[str, RunOutcome],
                                              tmp_path_factory: pytest.TempPathFactory) -> None:
    """The probe's rows are in the run folder: without the app's database, same verdicts."""
    outcome = outcomes["no-key"]
    for db in tmp_path_factory.getbasetemp().rglob("no-key.sqlite*"):
        db.unlink()
    again = judge(outcome.run, [(c.name, c.options) for c in
                                load_scenario(outcome.run.path / "scenario.yaml").checks])
    assert [(v.check, v.status) for v in again] == [(v.check, v.status)
                                                     for v in outcome.verdicts]
