"""Each fault family lands (journal plus Temporal evidence) and the workloads still complete.

After every test: no toxic left on the shared toxiproxy, no worker process left.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psutil
import pytest

from harness.checks.verdict import Status
from harness.runner import RunOutcome
from harness.stack.stack import Stack
from tests.integration.evidence import (
    activity_events,
    faults,
    retried_activities,
    worker_pids,
)

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def nothing_left_behind(stack: Stack) -> Iterator[list[RunOutcome]]:
    outcomes: list[RunOutcome] = []
    yield outcomes
    assert stack.toxiproxy is not None
    assert stack.toxiproxy.problems() == []
    for outcome in outcomes:
        time.sleep(0.2)
        alive = [p for p in worker_pids(outcome.run) if psutil.pid_exists(p)
                 and psutil.Process(p).status() != psutil.STATUS_ZOMBIE]
        assert alive == []


def passed(outcome: RunOutcome) -> None:
    assert outcome.verdicts[0].status == Status.PASS, outcome.verdicts[0]


def test_aimed_worker_crash_mid_activity(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: crash
workloads:
  - {name: order_saga, count: 4, params: {pack_items: 8, pack_item_seconds: 0.1}}
faults:
  - {type: worker_crash, when: activity_started, activity_type: pack_order, nth: 1,
     delay: 300ms, restart_after: 200ms}
""")
    nothing_left_behind.append(outcome)
    passed(outcome)
    crashes = [e for e in outcome.run.journal if e.get("type") == "crash"]
    assert [c["identity"] for c in crashes] == ["worker-1.1"]
    retried = [r for r in retried_activities(outcome.run)]
    assert retried, "the step in flight must have been retried"
    assert all(r["identity"] == "worker-1.2" for r in retried)  # identity change
    assert any("timeout" in r["last_failure"].lower() for r in retried)
    assert outcome.results["recovery"]["per_fault"][0]["seconds"] is not None


def test_crash_at_a_heartbeat_leaves_a_checkpoint_to_resume_from(
        run_yaml, nothing_left_behind) -> None:
    """At the pack's 2nd heartbeat the first one has gone out: the retry on the restarted
    worker is handed that checkpoint and resumes from it, every time."""
    outcome = run_yaml("""
name: crash-at-heartbeat
workloads:
  - {name: order_saga, count: 1, params: {pack_items: 6, pack_item_seconds: 0.1}}
faults:
  - {type: worker_crash, when: activity_heartbeat, activity_type: pack_order, nth: 2,
     restart_after: 200ms}
checks: [liveness, resume_from_last_step]
""")
    nothing_left_behind.append(outcome)
    statuses = {v.check: v.status for v in outcome.verdicts}
    assert statuses["liveness"] == statuses["resume_from_last_step"] == Status.PASS, \
        outcome.verdicts
    assert statuses["faults"] == Status.PASS, outcome.verdicts  # it fired and landed
    events = activity_events(outcome.run)
    injected = [e for e in events if e["event"] == "injected"]
    assert [e["injection"] for e in injected] == ["crash_activity_heartbeat"]
    retry = [e for e in events if e["event"] == "started" and e["activity_type"] == "pack_order"
             and e["identity"] == "worker-1.2"]
    assert retry and retry[0]["started_from"] == [{"packed": 1}], retry


def test_worker_sigkill_and_sigterm(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: kill
workloads:
  - {name: order_saga, count: 6, params: {pack_items: 10, pack_item_seconds: 0.1}}
workers: {count: 2}
faults:
  - {type: worker_kill, signal: SIGKILL, workers: all, at: 500ms, restart_after: 300ms}
  - {type: worker_kill, signal: SIGTERM, workers: one, at: 4s, restart_after: 0s}
""")
    nothing_left_behind.append(outcome)
    passed(outcome)
    injects = faults(outcome.run, "inject")
    assert {i["fault"] for i in injects} == {"worker_kill"}
    kills = [e for e in outcome.run.journal if e.get("kind") == "worker" and e["type"] == "kill"]
    assert {k["signal"] for k in kills} >= {"SIGKILL"}
    assert len(faults(outcome.run, "heal")) == len(injects)
    assert retried_activities(outcome.run)


def test_partition_of_workers_from_temporal(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: partition
workloads:
  - {name: fanout, count: 2, params: {children: 6, activities: 6}}
faults:
  - {type: network, link: temporal, toxic: partition, at: 300ms, duration: 2s}
""")
    nothing_left_behind.append(outcome)
    passed(outcome)
    heal = faults(outcome.run, "heal")
    assert heal and heal[0]["details"] == {"enabled": "temporal"}
    logs = "".join(p.read_text() for p in outcome.run.workers_dir.glob("*.log"))
    assert "tcp connect error" in logs or "Unavailable" in logs  # the workers felt it


def test_latency_on_services_link(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: latency
workloads:
  - {name: order_saga, count: 3}
faults:
  - {type: network, link: services, toxic: latency, attributes: {latency: 400}, at: 0s,
     duration: 3s}
""")
    nothing_left_behind.append(outcome)
    passed(outcome)
    events = activity_events(outcome.run)
    started = {(e["workflow_id"], e["activity_id"]): e["t"] for e in events
               if e["event"] == "started"}
    slow = [e["t"] - started[(e["workflow_id"], e["activity_id"])] for e in events
            if e["event"] == "completed"]
    assert max(slow) >= 0.4  # the 400 ms toxic (each way) delayed service calls


def test_duplicate_delivery_lost_completion(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: dup
workloads:
  - {name: order_saga, count: 6}
faults:
  - {type: duplicate_delivery, mode: lost_completion, rate: 1.0,
     activity_types: [charge_payment]}
""", seed=5)
    nothing_left_behind.append(outcome)
    passed(outcome)
    injected = [e for e in activity_events(outcome.run) if e["event"] == "injected"]
    assert len(injected) == 6 and {e["activity_type"] for e in injected} == {"charge_payment"}
    retried = retried_activities(outcome.run)
    assert len(retried) == 6
    assert all("completion lost" in r["last_failure"] for r in retried)
    charges = [a for a in outcome.run.ledger["attempts"] if a["op"] == "charge"]
    assert sorted(a["outcome"] for a in charges) == ["applied"] * 6 + ["duplicate"] * 6


def test_duplicate_delivery_crash_after_effect(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: dup-crash
workloads:
  - {name: order_saga, count: 3}
faults:
  - {type: duplicate_delivery, mode: crash_after_effect, rate: 1.0,
     activity_types: [ship_order], restart_after: 100ms}
""", seed=6)
    nothing_left_behind.append(outcome)
    passed(outcome)
    crashes = [e for e in outcome.run.journal if e.get("type") == "crash"]
    assert crashes
    ships = [a for a in outcome.run.ledger["attempts"] if a["op"] == "ship"]
    assert sum(a["outcome"] == "duplicate" for a in ships) >= 1


def test_duplicate_delivery_hang_is_a_zombie(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: dup-hang
workloads:
  - {name: approval, count: 2, params: {approve: 1, reject: 0, never: 0}}
faults:
  - {type: duplicate_delivery, mode: hang, rate: 1.0, activity_types: [request_approval]}
""", seed=7)
    nothing_left_behind.append(outcome)
    passed(outcome)
    retried = retried_activities(outcome.run)
    assert len(retried) == 2 and all("timeout" in r["last_failure"].lower() for r in retried)
    requests = [a for a in outcome.run.ledger["attempts"] if a["op"] == "request"]
    assert sorted(a["outcome"] for a in requests) == ["applied", "applied", "duplicate",
                                                        "duplicate"]
    assert len(outcome.run.ledger["callbacks"]) == 2  # one callback each, not two


def test_server_restart(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: server
workloads:
  - {name: approval, count: 4, params: {approve: 0.5, reject: 0, never: 0.5,
     callback_delay: 2500ms, timeout: 4s}}
  - {name: order_saga, count: 3}
faults:
  - {type: server_restart, at: 800ms, down_for: 1s}
""", seed=12)
    nothing_left_behind.append(outcome)
    passed(outcome)
    inject, heal = faults(outcome.run, "inject")[0], faults(outcome.run, "heal")[0]
    assert inject["details"]["pid"] != heal["details"]["pid"]
    decisions = {e["workflow_id"]: e["decision"] for e in outcome.run.journal
                 if e.get("op") == "start" and e.get("type") == "invoke" and "decision" in e}
    expected = {"approve": "approved", "never": "escalated"}
    approvals = [w for w in outcome.run.workflows if w["workflow_type"] == "Approval"]
    assert len(approvals) == 4
    for w in approvals:  # the callback rode out the outage (the approver retries)
        assert w["result"]["outcome"] == expected[decisions[w["workflow_id"]]]


def test_client_retries_dedupe(run_yaml, nothing_left_behind) -> None:
    outcome = run_yaml("""
name: client
workloads:
  - {name: entity, count: 2, params: {operations: 15}}
faults:
  - {type: client_retry, rate: 0.5}
""", seed=9)
    nothing_left_behind.append(outcome)
    passed(outcome)
    lost = [e for e in outcome.run.journal if e.get("injected")]
    assert {e["op"] for e in lost} >= {"signal"}
    entries = [e for e in outcome.run.ledger["effects"] if e["op"] == "entry"]
    assert len({e["ref"] for e in entries}) == len(entries)  # each request id applied once
