"""Each check passes on the reference workload and fails on its mutant, on the real stack.

Only the mutants that need no fault injection are here; those that need faults (duplicate
delivery, a crash mid-pack, a lost charge completion) are exercised by `harness selftest`.
The entity's duplicate request ids come from a test driver: the reference driver never
resends a request id, a retrying client does.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from harness.checks.registry import run_check
from harness.checks.verdict import Status, Verdict
from harness.run_context import RunContext
from harness.runner import RunOutcome, run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack
from harness.workloads.base import DriveContext, await_result, journaled, start_workflow
from harness.workloads.entity.model import AccountState, EntityParams, Operation

pytestmark = pytest.mark.integration

SCENARIOS = {
    "compensation": """
name: mutant-compensation
workloads:
  - {name: order_saga, version: VERSION, count: 2, params: {fail_at: ship}}
checks: [compensation]
""",
    "callback_resolution": """
name: mutant-callback
workloads:
  - name: approval
    version: VERSION
    count: 2
    params: {approve: 1, reject: 0, never: 0, callback_delay: 0, timeout: 2s}
checks: [callback_resolution]
""",
    "fanout_integrity": """
name: mutant-fanout
workloads:
  - {name: fanout, version: VERSION, count: 1, params: {children: 3, activities: 2}}
checks: [fanout_integrity]
""",
}
MUTANT = {"compensation": "mutant-skip-compensation",
          "callback_resolution": "mutant-lost-early-callback",
          "fanout_integrity": "mutant-child-new-id"}


def verdict_of(outcome: RunOutcome, check: str) -> Verdict:
    return next(v for v in outcome.verdicts if v.check == check)


def assert_evidence_points_at_the_run(outcome: RunOutcome, verdict: Verdict) -> None:
    ids = {w["workflow_id"] for w in outcome.run.workflows}
    for row in verdict.evidence:
        assert row["workflow_id"] in ids, row
        assert outcome.run.has_history(row["history"]), row


@pytest.mark.parametrize("check", sorted(SCENARIOS))
def test_reference_passes_and_mutant_fails(run_yaml: Callable[..., RunOutcome],
                                           check: str) -> None:
    reference = run_yaml(SCENARIOS[check].replace("VERSION", "v1"))
    assert verdict_of(reference, check).status == Status.PASS, verdict_of(reference, check)
    mutant = run_yaml(SCENARIOS[check].replace("VERSION", MUTANT[check]))
    verdict = verdict_of(mutant, check)
    assert verdict.status == Status.FAIL, verdict
    assert_evidence_points_at_the_run(mutant, verdict)


ENTITY = """
name: mutant-entity
workloads:
  - {name: entity, version: VERSION, count: 1}
checks: [entity_consistency, liveness]
"""


async def resend_every_request(ctx: RunContext) -> bool:
    """Drive one account whose client sends every operation twice, with the same request id
    (a retry after a lost reply): deposits by signal, one withdrawal by update."""
    drive = DriveContext(client=ctx.client, journal=ctx.journal, run_id=ctx.run_id,
                         task_queue=ctx.task_queue, seed=ctx.seed, workload="entity",
                         params=EntityParams(), on_started=ctx.started_ids.append)
    wid = drive.workflow_id(0)
    handle = await start_workflow(drive, "AccountEntity", AccountState("acct-0"), wid,
                                  expect="COMPLETED")
    assert handle is not None
    for i, amount in enumerate([50, 30, 20]):
        op = Operation(f"acct-0-op{i}", amount)
        for _ in range(2):
            await journaled(drive, "signal", wid, lambda op=op: handle.signal("deposit", op),
                            request_id=op.request_id, amount=amount)
    withdrawal = Operation("acct-0-w", 40)
    for _ in range(2):
        await journaled(drive, "update", wid,
                        lambda: handle.execute_update("withdraw", withdrawal, result_type=int),
                        request_id=withdrawal.request_id, amount=-40)
    await journaled(drive, "query", wid, lambda: handle.query("balance"))
    await journaled(drive, "signal", wid, lambda: handle.signal("close"), request_id="close")
    await await_result(drive, handle)
    return False


def run_with_driver(stack: Stack, out: Path, text: str, driver: Any) -> RunOutcome:
    scenario = parse_scenario(text, "<test>")
    return asyncio.run(run_scenario(scenario, stack, out, driver=driver))


def test_entity_reference_dedupes_and_mutant_applies_twice(stack: Stack, tmp_path: Path) -> None:
    reference = run_with_driver(stack, tmp_path, ENTITY.replace("VERSION", "v1"),
                                resend_every_request)
    assert verdict_of(reference, "entity_consistency").status == Status.PASS, \
        verdict_of(reference, "entity_consistency")
    assert reference.run.workflows[-1]["result"]["balance"] == 60
    mutant = run_with_driver(stack, tmp_path, ENTITY.replace("VERSION", "mutant-no-dedupe"),
                             resend_every_request)
    verdict = verdict_of(mutant, "entity_consistency")
    assert verdict.status == Status.FAIL, verdict
    (row,) = verdict.evidence
    assert row["problem"] == "balance" and row["expected"] == 60
    assert row["observed"] == 120  # every deposit and the withdrawal applied twice
    assert_evidence_points_at_the_run(mutant, verdict)


def test_v1_histories_do_not_replay_on_v2_unpatched(run_yaml: Callable[..., RunOutcome]) -> None:
    """Record real v1 sagas, then judge the same run as if v2-unpatched had been deployed."""
    outcome = run_yaml("""
name: mutant-determinism
workloads:
  - {name: order_saga, count: 1}
  - {name: order_saga, count: 1, params: {fail_at: ship}}
checks: [determinism]
""")
    assert verdict_of(outcome, "determinism").status == Status.PASS
    scenario = outcome.run.path / "scenario.yaml"
    scenario.write_text(scenario.read_text().replace("version: v1", "version: v2-unpatched"))
    verdict = run_check("determinism", outcome.run)
    assert verdict.status == Status.FAIL, verdict
    assert len(verdict.evidence) == 2
    assert all("Nondeterminism" in row["error"] for row in verdict.evidence)
    assert_evidence_points_at_the_run(outcome, verdict)
