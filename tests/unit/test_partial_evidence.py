"""No green without evidence: a run whose evidence is missing or partial never passes a check.

A run killed mid-way (no workflows.json, no ledger, no histories) and judged again with
`harness check` must say unknown for everything it cannot see.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from harness.checks.nondeterminism import check as nondeterminism
from harness.checks.registry import CHECKS, run_check
from harness.checks.verdict import Status
from harness.runfolder import Evidence
from tests.unit.runbuilder import RunBuilder

OPTIONS = {"recovery_slo": {"p95_s": 100.0, "max_s": 100.0}}


def killed_midway(tmp_path: Path) -> RunBuilder:
    """A run that started every kind of workload and fault, then died before collecting."""
    b = RunBuilder(tmp_path)
    b.worker("ready", "worker-1.1")
    for workload in ("order_saga", "entity", "approval", "fanout"):
        b.start(workload, workload=workload, children=1, activities=1, timeout=2.0,
                decision="approve", callback_delay=0.0)
    b.activity_event("worker-1.1", "started", "order_saga", "1", "reserve_inventory")
    b.fault("deploy", fault_id="f1", params={"workload": "order_saga", "to": "v1"})
    b.worker("kill", "worker-1.1")
    b.fault("worker_kill", fault_id="f2", target="worker-1.1")
    b.activity_event("worker-1.2", "started", "order_saga", "1", "reserve_inventory",
                     attempt=2)
    b.activity_event("worker-1.2", "completed", "order_saga", "1", "reserve_inventory",
                     attempt=2)
    b.client("query", "entity", value=0)
    return b


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_a_run_killed_before_collection_never_passes(tmp_path: Path, name: str) -> None:
    run = killed_midway(tmp_path).no_ledger().build()
    (run.path / "workflows.json").unlink()
    shutil.rmtree(run.histories_dir, ignore_errors=True)
    verdict = run_check(name, run, OPTIONS.get(name))
    assert verdict.status == Status.UNKNOWN, verdict


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_every_check_declares_the_evidence_it_needs(name: str) -> None:
    assert Evidence.JOURNAL in CHECKS[name].needs or Evidence.HISTORIES in CHECKS[name].needs


def test_missing_evidence_is_named(tmp_path: Path) -> None:
    run = killed_midway(tmp_path).build()
    (run.path / "workflows.json").unlink()
    verdict = run_check("liveness", run)
    assert verdict.status == Status.UNKNOWN and "workflows.json" in verdict.summary


def test_nondeterminism_with_missing_histories_is_unknown(tmp_path: Path) -> None:
    """Defect: nondeterminism passed when histories or workflows.json were missing."""
    b = killed_midway(tmp_path)
    b.workflow("order_saga", "COMPLETED")
    run = b.build()
    assert nondeterminism(run).status == Status.UNKNOWN
    (run.path / "workflows.json").unlink()
    assert nondeterminism(run).status == Status.UNKNOWN


def test_entity_consistency_on_a_run_never_collected_is_unknown(tmp_path: Path) -> None:
    """Defect: entity_consistency passed from journal queries on a run never collected."""
    from harness.checks.entity_consistency import check

    b = RunBuilder(tmp_path).start("e", workload="entity")
    b.client("signal", "e", request_id="op0", amount=50)
    b.attempt("e", "entry/op0", "accounts", "entry", data={"amount": 50})
    b.client("query", "e", value=50)
    run = b.build()
    (run.path / "workflows.json").unlink()
    assert check(run).status == Status.UNKNOWN
