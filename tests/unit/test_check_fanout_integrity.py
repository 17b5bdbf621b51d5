"""fanout_integrity on stored run folders: aggregate, child ids, children once, failures."""

from __future__ import annotations

from pathlib import Path

from harness.bench.synthetic import write_synthetic_run
from harness.checks.fanout_integrity import check
from harness.checks.verdict import Status
from harness.runfolder import RunFolder
from harness.workloads.fanout.model import expected_total
from tests.unit.runbuilder import RunBuilder


def fanout(b: RunBuilder, name: str = "f", children: int = 2, activities: int = 3,
           child_ids: list[str] | None = None, status: str = "COMPLETED",
           total: int | None = None) -> RunBuilder:
    b.start(name, workload="fanout", children=children, activities=activities)
    result = {"children": children, "items": children * activities,
              "total": expected_total(children, activities) if total is None else total}
    extra = {"result": result} if status == "COMPLETED" else {"failure": "child failed"}
    b.workflow(name, status, workflow_type="FanOut", **extra)
    for i, child in enumerate(child_ids or [f"child-{c}" for c in range(children)]):
        b.workflow(f"{name}/{child}", workflow_type="FanOutChild", run=f"c{i}",
                   parent_id=b.wid(name))
        for item in range(activities):
            b.attempt(f"{name}/{child}", f"item/{item}", "fanout", "item",
                      data={"parent_id": b.wid(name), "child": i % children, "item": item})
    return b


def test_pass_aggregate_and_children_match(tmp_path: Path) -> None:
    verdict = check(fanout(RunBuilder(tmp_path)).build())
    assert verdict.status == Status.PASS, verdict.evidence
    assert verdict.stats["children"] == 2


def test_fail_child_under_a_new_id_names_parent_child_and_history(tmp_path: Path) -> None:
    run = fanout(RunBuilder(tmp_path), child_ids=["child-0-1a2b", "child-1-3c4d"]).build()
    verdict = check(run)
    assert verdict.status == Status.FAIL
    rows = [r for r in verdict.evidence if r["problem"] == "unexpected child"]
    assert len(rows) == 2
    assert rows[0]["workflow_id"] == "r1/f"
    assert rows[0]["child_id"] == "r1/f/child-0-1a2b"
    assert rows[0]["history"] == "histories/r1__f__child-0-1a2b__c0.json"
    assert any(r["problem"] == "missing children" for r in verdict.evidence)


def test_fail_child_run_twice_and_items_processed_twice(tmp_path: Path) -> None:
    run = fanout(RunBuilder(tmp_path), child_ids=["child-0", "child-1", "child-0"]).build()
    problems = {r["problem"] for r in check(run).evidence}
    assert {"child ran more than once", "items processed more than once"} <= problems


def test_fail_wrong_aggregate(tmp_path: Path) -> None:
    verdict = check(fanout(RunBuilder(tmp_path), total=1).build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["problem"] == "aggregate"


def test_fail_parent_failed_with_its_failure(tmp_path: Path) -> None:
    verdict = check(fanout(RunBuilder(tmp_path), status="FAILED").build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["failure"] == "child failed"


def test_unknown_when_no_fanout_ran_or_none_finished(tmp_path: Path) -> None:
    assert check(RunBuilder(tmp_path / "a").build()).status == Status.UNKNOWN
    run = fanout(RunBuilder(tmp_path / "b"), status="RUNNING").build()
    assert check(run).status == Status.UNKNOWN


def test_a_right_looking_aggregate_does_not_hide_missing_work(tmp_path: Path) -> None:
    """Defect: the parent's own aggregate was trusted. Here it claims every item, but the
    ledger shows child 1's items were never processed."""
    b = fanout(RunBuilder(tmp_path))
    assert b.ledger is not None
    b.ledger["effects"] = [e for e in b.ledger["effects"] if e["data"]["child"] != 1]
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    (row,) = verdict.evidence
    assert row["problem"] == "items never processed" and row["count"] == 3


def test_a_parent_that_completed_before_its_children_fails(tmp_path: Path) -> None:
    b = fanout(RunBuilder(tmp_path))
    b.workflows[-1]["status"] = "RUNNING"
    verdict = check(b.build())
    assert verdict.status == Status.FAIL
    assert verdict.evidence[0]["problem"] == "parent completed before its children"


def test_no_ledger_is_unknown(tmp_path: Path) -> None:
    assert check(fanout(RunBuilder(tmp_path)).no_ledger().build()).status == Status.UNKNOWN


def test_a_pure_scale_fanout_is_judged_on_children_without_ledger_items(tmp_path: Path
                                                                         ) -> None:
    run = RunFolder(write_synthetic_run(tmp_path / "run", children=3, activities=2))
    verdict = check(run)
    assert verdict.status == Status.PASS, verdict
    assert verdict.stats["items_unjudged"] == 1
