"""`harness selftest`: prove every failure branch of every check can fail, for its reason.

Each row names one failure branch of one check and the mutant (a realistic bug) that
takes it, under the scenario (and fault) that exposes it. A row is proven only when:
- the exposing fault fired and landed (the fault accounting of both runs passed),
- the check passed on the reference code, and
- the check failed on the mutant with evidence naming the planted bug (`planted` words).
A check that passes on its mutant, or fails for another reason, proves nothing.

Rows that share a scenario share its runs: one reference run serves every mutant of that
scenario, and every run judges all the checks its rows need.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.checks.verdict import Status, Verdict
from harness.runner import RunOutcome, run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack

# How many runs selftest drives at once on one stack.
PARALLEL_RUNS = 3

APPROVALS = """
name: selftest-approvals
deadline: 20s
workloads:
  - {{name: approval, version: {version}, count: 2,
     params: {{approve: 1, reject: 0, never: 0, callback_delay: 0, timeout: 3s}}}}
  - {{name: approval, version: {version}, count: 2,
     params: {{approve: 0, reject: 0, never: 1, timeout: 3s}}}}
checks: {checks}
"""
SAGAS = """
name: selftest-sagas
workloads:
  - {{name: order_saga, version: {version}, count: 2}}
  - {{name: order_saga, version: {version}, count: 2, params: {{fail_at: ship}}}}
  - {{name: order_saga, version: {version}, count: 2, params: {{fail_at: reserve}}}}
checks: {checks}
"""
CRASH_MID_PACK = """
name: selftest-resume
workloads:
  - {{name: order_saga, version: {version}, count: 2,
     params: {{pack_items: 10, pack_item_seconds: 0.1}}}}
faults:
  - {{type: worker_crash, when: activity_started, activity_type: pack_order, delay: 500ms,
     restart_after: 200ms}}
checks: {checks}
"""
# The deploy waits until every order is mid-pack, and the pack lasts 6 s, so it reaches
# running workflows. With a 2 s pack, a loaded cluster's deploy began 2.3 s after the third
# pack started: the old worker had finished every order, and the row was not proven.
DEPLOY_MID_PACK = """
name: selftest-{name}
deadline: 25s
workloads:
  - {{name: order_saga, count: 3, params: {{pack_items: 30, pack_item_seconds: 0.2}}}}
faults:
  - {{type: deploy, workload: order_saga, to: {version},
     after: {{event: activity_started, activity_type: pack_order, count: 3}}}}
checks: {checks}
"""
# Recovery bound: the reference recovers in 4-10 s (a worker restart, the 2 s heartbeat
# timeout, the rest of the pack), more on a loaded machine; the mutant cannot before its 20 s
# start-to-close timeout. 15 s sits between them with room on both sides. The kill waits
# until every order is mid-pack: at a fixed 800 ms a loaded cluster had not started any
# activity yet and recovery was never exercised.
RECOVERY = """
name: selftest-recovery
deadline: 60s
workloads:
  - {{name: order_saga, version: {version}, count: 3,
     params: {{pack_items: 20, pack_item_seconds: 0.1}}}}
faults:
  - {{type: worker_kill, signal: SIGKILL, restart_after: 200ms,
     after: {{event: activity_started, activity_type: pack_order, count: 3}}}}
checks: {checks}
"""
# The outage starts once every order has started its first step and lasts 5 s: with a fixed
# 3 s window from the start, a loaded machine reached the charges late and the storm sent
# only 8 requests per step (the bound is 10), so the row was not proven.
RETRY_STORM = """
name: selftest-retries
deadline: 40s
workloads:
  - {{name: order_saga, version: {version}, count: 4}}
faults:
  - {{type: dependency, service: payments, mode: error_rate, error_rate: 1.0, duration: 5s,
     after: {{event: activity_started, activity_type: reserve_inventory, count: 4}}}}
checks: {checks}
"""
FANOUT = """
name: selftest-fanout
workloads:
  - {{name: fanout, version: {version}, count: 2, params: {{children: 3, activities: 3}}}}
checks: {checks}
"""


@dataclass(frozen=True)
class Case:
    check: str
    branch: str  # the failure branch of the check this row proves
    mutant: str
    bug: str
    planted: str  # words the mutant's failing verdict must contain (its evidence or summary)
    scenario: str  # YAML with {version} and {checks}
    reference: str = "v1"
    options: tuple[tuple[str, Any], ...] = ()
    where: str = "certify"  # "suite": also run by the test suite; "certify": by certify only


CASES: tuple[Case, ...] = (
    Case("liveness", "did not reach its expected state", "mutant-lost-early-callback",
         "a callback that arrives before the wait is lost: the approval waits forever",
         "RUNNING", """
name: selftest-liveness
deadline: 10s
workloads:
  - {{name: approval, version: {version}, count: 3,
     params: {{approve: 1, reject: 0, never: 0, callback_delay: 0, timeout: 60s}}}}
checks: {checks}
"""),
    Case("idempotency", "step took effect twice", "mutant-no-idempotency-key",
         "the charge is sent without an idempotency key", "without an idempotency key", """
name: selftest-idempotency
workloads:
  - {{name: order_saga, version: {version}, count: 4}}
faults:
  - {{type: duplicate_delivery, mode: lost_completion, rate: 1.0,
     activity_types: [charge_payment]}}
checks: {checks}
""", where="suite"),
    Case("compensation", "effect never compensated", "mutant-skip-compensation",
         "the refund is never registered as a compensation", "dangling", SAGAS,
         where="suite"),
    Case("compensation", "compensations not in reverse order", "mutant-compensate-fifo",
         "compensations run in registration order", "reverse order", SAGAS, where="suite"),
    Case("compensation", "completed saga compensated", "mutant-compensate-on-success",
         "a cleanup runs the compensations after every order", "the order completed", SAGAS,
         where="suite"),
    Case("compensation", "compensation of a step never run", "mutant-compensate-everything",
         "every compensation registered up front: refunds for charges never attempted",
         "never attempted", SAGAS, where="suite"),
    Case("compensation", "conservation of money", "mutant-overcharge",
         "the charge adds a fee the order never priced in", "held by this order", SAGAS,
         where="suite"),
    Case("resume_from_last_step", "checkpoint lost", "mutant-no-checkpoint",
         "the long pack activity ignores its heartbeat checkpoint and starts over",
         "checkpoint lost", CRASH_MID_PACK, where="suite"),
    Case("resume_from_last_step", "finished step repeated", "mutant-recharge-on-retry",
         "a retried pack charges the order again first", "finished step repeated",
         CRASH_MID_PACK, where="suite"),
    Case("determinism", "history does not replay", "v2-unpatched",
         "v2 inserts an activity without workflow.patched, deployed under running orders",
         "TMPRL1100", DEPLOY_MID_PACK, reference="v2-patched"),
    Case("nondeterminism", "running workflows stranded", "v2-unpatched",
         "v2 inserts an activity without workflow.patched, deployed under running orders",
         "TMPRL1100", DEPLOY_MID_PACK, reference="v2-patched"),
    Case("nondeterminism", "drill: bad deploy undetected", "v2-patched",
         "the drill deploys code that is safe, so the nondeterminism it expects never comes",
         "went undetected", DEPLOY_MID_PACK.replace("selftest-{name}", "selftest-drill"),
         reference="v2-unpatched", options=(("expect", True),)),
    Case("entity_consistency", "balance is not the sum of operations", "mutant-no-dedupe",
         "the entity applies a retried request id again", "balance", """
name: selftest-entity
workloads:
  - {{name: entity, version: {version}, count: 2, params: {{operations: 15}}}}
faults:
  - {{type: client_retry, rate: 0.5}}
checks: {checks}
""", where="suite"),
    Case("callback_resolution", "wrong resolution", "mutant-lost-early-callback",
         "a callback that arrives before the wait is lost, and the approval escalates",
         "wrong resolution", APPROVALS),
    Case("callback_resolution", "notified more than once", "mutant-double-notify",
         "the decision is announced twice", "exactly 1 notification", APPROVALS),
    Case("callback_resolution", "escalated early", "mutant-early-escalation",
         "the escalation timer fires at a third of the timeout", "escalated early",
         APPROVALS),
    Case("fanout_integrity", "child under an unexpected id", "mutant-child-new-id",
         "children are started under fresh ids, so a retry can run one twice",
         "unexpected child", FANOUT),
    Case("fanout_integrity", "item processed twice", "mutant-item-twice",
         "each work item is recorded twice without its idempotency key",
         "more than once", FANOUT),
    Case("fanout_integrity", "parent finished before its children", "mutant-abandon-children",
         "children started fire-and-forget; the parent reports the aggregate it expects",
         "before its children", FANOUT),
    Case("recovery_slo", "recovery too slow", "mutant-no-heartbeat-timeout",
         "activities without a heartbeat timeout: a crashed step waits out start-to-close",
         "p95", RECOVERY, options=(("p95_s", 15),)),
    Case("practices", "long activity without heartbeat timeout", "mutant-no-heartbeat-timeout",
         "activities without a heartbeat timeout: a crashed step waits out start-to-close",
         "without heartbeat timeout", RECOVERY, options=(("long_activity", "1s"),)),
    Case("retries_bounded", "too many requests for one step", "mutant-retry-storm",
         "charge_payment retries on its own every 10 ms, without backoff: a retry storm",
         "requests_for_step", RETRY_STORM, where="suite"),
    Case("retries_bounded", "request rate over the limit while degraded", "mutant-retry-storm",
         "charge_payment retries on its own every 10 ms, without backoff: a retry storm",
         "requests_per_s_while_degraded", RETRY_STORM, where="suite"),
)


@dataclass
class Row:
    check: str
    branch: str
    mutant_version: str
    bug: str
    fault: str  # yes | n/a (no fault needed) | no: why
    reference: Status
    mutant: Status
    planted_found: bool
    seconds: float
    reference_run: str
    mutant_run: str
    where: str

    @property
    def ok(self) -> bool:
        return (self.fault in ("yes", "n/a") and self.reference == Status.PASS
                and self.mutant == Status.FAIL and self.planted_found)

    def to_json(self) -> dict[str, Any]:
        return {**self.__dict__, "reference": str(self.reference),
                "mutant": str(self.mutant), "ok": self.ok}


@dataclass
class Group:
    """The rows that share one scenario: one reference run per reference version, one run
    per mutant, each judging every check the rows need."""

    scenario: str
    cases: list[Case] = field(default_factory=list)

    def checks(self) -> list[dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for case in self.cases:
            found.setdefault(case.check, {"name": case.check, **dict(case.options)})
        return list(found.values())

    def text(self, version: str) -> str:
        inline = "[" + ", ".join("{" + ", ".join(f"{k}: {v}" for k, v in c.items()) + "}"
                                 for c in self.checks()) + "]"
        name = version.replace("_", "-")
        return self.scenario.format(version=version, checks=inline, name=name)

    def versions(self) -> list[str]:
        return list(dict.fromkeys([c.reference for c in self.cases]
                                  + [c.mutant for c in self.cases]))


def groups(cases: tuple[Case, ...] | list[Case]) -> list[Group]:
    by_scenario: dict[str, Group] = {}
    for case in cases:
        by_scenario.setdefault(case.scenario, Group(case.scenario)).cases.append(case)
    return list(by_scenario.values())


def scenario_text(case: Case, version: str) -> str:
    """The YAML one case runs (with only its own check): for `harness run` by hand."""
    return Group(case.scenario, [case]).text(version)


def planted_in(verdict: Verdict | None, words: str) -> bool:
    if verdict is None:
        return False
    text = (verdict.summary + " " + json.dumps(verdict.evidence, default=str)).lower()
    return words.lower() in text


def fault_line(*outcomes: RunOutcome) -> str:
    """yes when every exposing fault fired and landed in every run; n/a without faults."""
    accounting = [next((v for v in o.verdicts if v.check == "faults"), None) for o in outcomes]
    if all(a is None for a in accounting):
        return "n/a"
    bad = [a for a in accounting if a is None or a.status != Status.PASS]
    return "yes" if not bad else f"no: {bad[0].summary if bad[0] else 'no accounting'}"


async def run_group(group: Group, stack: Stack, out: Path, seed: int,
                    limit: asyncio.Semaphore) -> list[Row]:
    started = time.monotonic()
    folder = out / group.cases[0].check

    async def one(version: str) -> tuple[str, RunOutcome]:
        async with limit:
            scenario = parse_scenario(group.text(version), f"<selftest {version}>")
            return version, await run_scenario(scenario, stack, folder / version, seed=seed)

    outcomes = dict(await asyncio.gather(*(one(v) for v in group.versions())))
    seconds = round(time.monotonic() - started, 1)
    rows = []
    for case in group.cases:
        ref, mut = outcomes[case.reference], outcomes[case.mutant]
        ref_v = next((v for v in ref.verdicts if v.check == case.check), None)
        mut_v = next((v for v in mut.verdicts if v.check == case.check), None)
        rows.append(Row(case.check, case.branch, case.mutant, case.bug, fault_line(ref, mut),
                        ref_v.status if ref_v else Status.UNKNOWN,
                        mut_v.status if mut_v else Status.UNKNOWN,
                        planted_in(mut_v, case.planted), seconds, str(ref.run.path),
                        str(mut.run.path), case.where))
    return rows


async def selftest(stack: Stack, out: Path, seed: int = 1, only: list[str] | None = None,
                   where: str | None = None) -> list[Row]:
    """Every row (or those of the `only` checks, or those run `where`), in CASES order."""
    chosen = [c for c in CASES if (not only or c.check in only)
              and (where is None or c.where == where)]
    limit = asyncio.Semaphore(PARALLEL_RUNS)
    results = await asyncio.gather(*(run_group(g, stack, out, seed, limit)
                                     for g in groups(chosen)))
    by_case = {(r.check, r.branch): r for rows in results for r in rows}
    return [by_case[(c.check, c.branch)] for c in chosen]


def table_rows(rows: list[Row]) -> list[tuple[str, ...]]:
    """The printed table: check, failure branch, mutant, fault fired, reference, mutant
    verdict, planted reason found."""
    return [(r.check, r.branch, r.mutant_version, r.fault, str(r.reference), str(r.mutant),
             "yes" if r.planted_found else "no") for r in rows]


def summary(rows: list[Row]) -> dict[str, Any]:
    per_check: dict[str, list[bool]] = defaultdict(list)
    for r in rows:
        per_check[r.check].append(r.ok)
    return {"rows": len(rows), "proven": sum(r.ok for r in rows),
            "checks": {c: f"{sum(v)}/{len(v)}" for c, v in per_check.items()}}
