"""`harness selftest`: prove every check can fail.

Each case runs one scenario twice on the same stack: with the reference code, where its
checks must pass, and with a mutant (a realistic bug) under the fault that exposes it,
where they must fail. A check that passes on its mutant proves nothing, so selftest exits
non-zero unless every reference passes and every mutant fails.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.checks.verdict import Status
from harness.runner import run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack


@dataclass(frozen=True)
class Case:
    checks: tuple[str, ...]
    reference: str  # the version substituted for {version}
    mutant: str
    scenario: str  # YAML with {version} and {checks}
    bug: str


CASES: tuple[Case, ...] = (
    Case(("liveness",), "v1", "mutant-lost-early-callback", """
name: selftest-liveness
deadline: 10s
workloads:
  - {{name: approval, version: {version}, count: 3,
     params: {{approve: 1, reject: 0, never: 0, callback_delay: 0, timeout: 60s}}}}
checks: {checks}
""", "a callback that arrives before the wait is lost: the approval waits forever"),
    Case(("idempotency",), "v1", "mutant-no-idempotency-key", """
name: selftest-idempotency
workloads:
  - {{name: order_saga, version: {version}, count: 4}}
faults:
  - {{type: duplicate_delivery, mode: lost_completion, rate: 1.0,
     activity_types: [charge_payment]}}
checks: {checks}
""", "the charge is sent without an idempotency key"),
    Case(("compensation",), "v1", "mutant-skip-compensation", """
name: selftest-compensation
workloads:
  - {{name: order_saga, version: {version}, count: 3, params: {{fail_at: ship}}}}
checks: {checks}
""", "the refund is never registered as a compensation"),
    Case(("resume_from_last_step",), "v1", "mutant-no-checkpoint", """
name: selftest-resume
workloads:
  - {{name: order_saga, version: {version}, count: 2,
     params: {{pack_items: 10, pack_item_seconds: 0.1}}}}
faults:
  - {{type: worker_crash, when: activity_started, activity_type: pack_order, delay: 500ms,
     restart_after: 200ms}}
checks: {checks}
""", "the long pack activity ignores its heartbeat checkpoint and starts over"),
    Case(("determinism", "nondeterminism"), "v2-patched", "v2-unpatched", """
name: selftest-determinism
deadline: 12s
workloads:
  - {{name: order_saga, count: 3, params: {{pack_items: 10, pack_item_seconds: 0.2}}}}
faults:
  - {{type: deploy, workload: order_saga, to: {version}, at: 500ms}}
checks: {checks}
""", "v2 inserts an activity without workflow.patched and is deployed under running orders"),
    Case(("entity_consistency",), "v1", "mutant-no-dedupe", """
name: selftest-entity
workloads:
  - {{name: entity, version: {version}, count: 2, params: {{operations: 15}}}}
faults:
  - {{type: client_retry, rate: 0.5}}
checks: {checks}
""", "the entity applies a retried request id again"),
    Case(("callback_resolution",), "v1", "mutant-lost-early-callback", """
name: selftest-callback
workloads:
  - {{name: approval, version: {version}, count: 3,
     params: {{approve: 1, reject: 0, never: 0, callback_delay: 0, timeout: 2s}}}}
checks: {checks}
""", "a callback that arrives before the wait is lost, and the approval escalates"),
    Case(("fanout_integrity",), "v1", "mutant-child-new-id", """
name: selftest-fanout
workloads:
  - {{name: fanout, version: {version}, count: 2, params: {{children: 3, activities: 3}}}}
checks: {checks}
""", "children are started under fresh ids, so a retry can run one twice"),
    Case(("recovery_slo", "practices"), "v1", "mutant-no-heartbeat-timeout", """
name: selftest-recovery
deadline: 60s
workloads:
  - {{name: order_saga, version: {version}, count: 3,
     params: {{pack_items: 20, pack_item_seconds: 0.1}}}}
faults:
  - {{type: worker_kill, signal: SIGKILL, at: 800ms, restart_after: 200ms}}
checks: {checks}
""", "activities without a heartbeat timeout: a crashed step waits out start-to-close"),
)

# Options per check where the default would not judge (recovery_slo needs a bound).
CHECK_OPTIONS: dict[str, dict[str, Any]] = {"recovery_slo": {"p95_s": 8},
                                            "practices": {"long_activity": "1s"}}


@dataclass
class Row:
    check: str
    reference: Status
    mutant: Status
    seconds: float
    mutant_version: str
    bug: str
    reference_run: str
    mutant_run: str

    @property
    def ok(self) -> bool:
        return self.reference == Status.PASS and self.mutant == Status.FAIL


def scenario_text(case: Case, version: str) -> str:
    checks = [{"name": c, **CHECK_OPTIONS.get(c, {})} for c in case.checks]
    inline = "[" + ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in c.items()) + "}"
                             for c in checks) + "]"
    return case.scenario.format(version=version, checks=inline)


async def run_case(case: Case, stack: Stack, out: Path, seed: int) -> list[Row]:
    started = time.monotonic()
    reference, mutant = await asyncio.gather(*(
        run_scenario(parse_scenario(scenario_text(case, v), f"<selftest {v}>"), stack,
                     out / v, seed=seed)
        for v in (case.reference, case.mutant)))
    seconds = round(time.monotonic() - started, 1)
    ref = {v.check: v.status for v in reference.verdicts}
    mut = {v.check: v.status for v in mutant.verdicts}
    return [Row(c, ref[c], mut[c], seconds, case.mutant, case.bug, str(reference.run.path),
                str(mutant.run.path)) for c in case.checks]


async def selftest(stack: Stack, out: Path, seed: int = 1,
                   only: list[str] | None = None) -> list[Row]:
    rows: list[Row] = []
    for case in CASES:
        if only and not set(case.checks) & set(only):
            continue
        rows += await run_case(case, stack, out, seed)
    return rows
