"""Each reference workload gives correct results on the real stack, evidence in the ledger."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from harness.checks.verdict import Status
from harness.runner import RunOutcome

pytestmark = pytest.mark.integration


def by_id(outcome: RunOutcome) -> dict[str, dict[str, Any]]:
    return {w["workflow_id"]: w for w in outcome.run.workflows}


def effects(outcome: RunOutcome, service: str, op: str) -> list[dict[str, Any]]:
    ledger = outcome.run.ledger or {}
    return [e for e in ledger["effects"] if e["service"] == service and e["op"] == op]


def test_order_saga_success_and_compensated_failures(run_yaml) -> None:
    outcome = run_yaml("""
name: saga
workloads:
  - {name: order_saga, count: 1, params: {pack_items: 3, pack_item_seconds: 0.01}}
  - {name: order_saga, count: 1, params: {fail_at: charge}}
  - {name: order_saga, count: 1, params: {fail_at: ship}}
""")
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    statuses = sorted(w["status"] for w in outcome.run.workflows)
    assert statuses == ["COMPLETED", "FAILED", "FAILED"]


def test_order_saga_compensations_visible_in_ledger(run_yaml) -> None:
    outcome = run_yaml("""
name: saga-ship-fails
workloads:
  - {name: order_saga, count: 2, params: {fail_at: ship}}
""")
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    workflows = by_id(outcome)
    assert all(w["status"] == "FAILED" for w in workflows.values())
    assert all("compensated" in w["failure"] for w in workflows.values())
    reserved = effects(outcome, "inventory", "reserve")
    released = effects(outcome, "inventory", "release")
    charged = effects(outcome, "payments", "charge")
    refunded = effects(outcome, "payments", "refund")
    assert len(reserved) == len(released) == len(charged) == len(refunded) == 2
    assert effects(outcome, "shipping", "ship") == []
    # LIFO: for each order the refund comes before the release.
    for wid in workflows:
        refund = next(e for e in refunded if e["workflow_id"] == wid)
        release = next(e for e in released if e["workflow_id"] == wid)
        assert refund["seq"] < release["seq"]


def test_order_saga_success_path(run_yaml) -> None:
    outcome = run_yaml("""
name: saga-ok
workloads:
  - {name: order_saga, count: 3, params: {pack_items: 4, pack_item_seconds: 0.01}}
""")
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    for w in by_id(outcome).values():
        assert w["status"] == "COMPLETED"
        assert w["result"]["steps"] == ["reserve_inventory", "charge_payment", "pack_order",
                                        "ship_order"]
    assert len(effects(outcome, "shipping", "pack")) == 12
    assert effects(outcome, "payments", "refund") == []
    assert effects(outcome, "inventory", "release") == []


def test_order_saga_rejected_reservation_compensates_nothing(run_yaml) -> None:
    outcome = run_yaml("""
name: saga-soldout
workloads:
  - {name: order_saga, count: 1, params: {fail_at: reserve}}
""")
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    attempts = outcome.run.ledger["attempts"]
    assert [a["outcome"] for a in attempts if a["op"] == "release"] == ["noop"]
    assert effects(outcome, "inventory", "release") == []


def test_entity_balance_after_signals_and_updates(run_yaml) -> None:
    outcome = run_yaml("""
name: entity
workloads:
  - {name: entity, count: 2, params: {operations: 15, continue_as_new_after: 4}}
""", seed=7)
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    journal = outcome.run.journal
    for wid, record in by_id(outcome).items():
        if record["status"] != "COMPLETED":
            continue  # an earlier run of the chain
        acknowledged = 0
        for e in journal:
            if e.get("workflow_id") != wid or e.get("type") != "ok":
                continue
            if e["op"] in ("signal", "update") and "amount" in e:
                acknowledged += e["amount"]
        assert record["result"]["balance"] == acknowledged
        assert record["result"]["runs"] > 1  # continue-as-new happened
        entries = [x for x in effects(outcome, "accounts", "entry") if x["workflow_id"] == wid]
        assert sum(x["data"]["amount"] for x in entries) == acknowledged
    statuses = Counter(w["status"] for w in outcome.run.workflows)
    assert statuses["CONTINUED_AS_NEW"] >= 2


def test_fanout_aggregate(run_yaml) -> None:
    outcome = run_yaml("""
name: fanout
workloads:
  - {name: fanout, count: 2, params: {children: 5, activities: 4}}
""")
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    parents = [w for w in outcome.run.workflows if w["workflow_type"] == "FanOut"]
    children = [w for w in outcome.run.workflows if w["workflow_type"] == "FanOutChild"]
    assert len(parents) == 2 and len(children) == 10
    from harness.workloads.fanout.model import expected_total

    for p in parents:
        assert p["result"] == {"children": 5, "items": 20, "total": expected_total(5, 4)}
    assert len(effects(outcome, "fanout", "item")) == 40


def test_approval_callback_and_escalation(run_yaml) -> None:
    outcome = run_yaml("""
name: approval
workloads:
  - {name: approval, count: 6, params: {approve: 1, reject: 1, never: 1, callback_delay: 0.2,
     timeout: 1.5s}}
""", seed=3)
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]
    decisions = {e["workflow_id"]: e["decision"] for e in outcome.run.journal
                 if e.get("op") == "start" and e.get("type") == "invoke"}
    expected = {"approve": "approved", "reject": "rejected", "never": "escalated"}
    seen = set()
    for wid, record in by_id(outcome).items():
        result = record["result"]
        assert result["outcome"] == expected[decisions[wid]]
        seen.add(result["outcome"])
        if result["outcome"] == "escalated":
            assert result["waited"] >= 1.5
            assert result["callbacks"] == 0
        else:
            assert result["callbacks"] == 1
    assert seen == {"approved", "rejected", "escalated"}
