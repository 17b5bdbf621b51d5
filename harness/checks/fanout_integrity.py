"""fanout_integrity: a fan-out did exactly C children x A items, each child and item once.

The work is judged from evidence, never from the parent's own aggregate: the child
executions Temporal holds (ids `<parent>/child-<i>` for i < C, one execution each, each
COMPLETED, no stranger) and the ledger's work items (each (child, item) of the parent
processed exactly once, none missing). The parent's result is then judged as an output
against what that evidence implies (harness.workloads.fanout.model.expected_total). A
parent that FAILED is reported with its failure; one still running is left to liveness.
Without the ledger the items cannot be seen: unknown. A pure scale fan-out
(`use_ledger: false`, journaled with its start) writes no items anywhere: its children and
aggregate are judged, its items are not (`items_unjudged` says how many fan-outs).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from pydantic import BaseModel

from harness.checks.facts import executions, latest, ledger_table, starts, workload_ids
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.history import epoch
from harness.runfolder import RunFolder
from harness.workloads.fanout.model import expected_total

NAME = "fanout_integrity"
WORKFLOW_TYPE = "FanOut"


class FanoutIntegrityOptions(BaseModel):
    model_config = {"extra": "forbid"}


def check(run: RunFolder, options: FanoutIntegrityOptions | None = None) -> Verdict:
    inputs = starts(run, "fanout")
    last = latest(run)
    parents = workload_ids(run, "fanout", WORKFLOW_TYPE)
    if not parents:
        return unknown(NAME, "no fan-out ran")
    children: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for records in executions(run).values():
        for record in records:
            if record.get("parent_id"):
                children[record["parent_id"]].append(record)
    items: dict[str, Counter[tuple[int, int]]] = defaultdict(Counter)
    effects = ledger_table(run, "effects")
    if effects is None:
        return unknown(NAME, "no ledger.json: which work items were processed cannot be seen")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the child executions cannot be seen")
    for effect in effects:
        data = effect.get("data") or {}
        if (effect.get("service"), effect.get("op")) == ("fanout", "item"):
            items[str(data.get("parent_id"))][(data.get("child"), data.get("item"))] += 1
    rows: list[dict[str, Any]] = []
    judged = unjudged = 0
    for wid in sorted(parents):
        record = last.get(wid) or {}
        status = record.get("status")
        shape = _shape(inputs.get(wid, {}))
        if status not in ("COMPLETED", "FAILED") or shape is None:
            continue  # still running (liveness judges that), or started outside the driver
        judged += 1
        ledgered = inputs.get(wid, {}).get("use_ledger", True) is not False
        unjudged += not ledgered
        found = _judge_parent(wid, record, shape, children[wid],
                              items.get(wid, Counter()) if ledgered else None)
        rows += [{"workflow_id": wid, **row, "history": row.get("history")
                  or record.get("history_file")} for row in found]
    stats = {"parents": len(parents), "judged": judged, "violations": len(rows),
             "items_unjudged": unjudged,
             "children": sum(len(c) for c in children.values())}
    if rows:
        return failed(NAME, f"{len(rows)} integrity problems in "
                      f"{len({r['workflow_id'] for r in rows})} of {judged} fan-outs",
                      rows, **stats)
    if not judged:
        return unknown(NAME, f"{len(parents)} fan-outs ran but none finished", **stats)
    return passed(NAME, f"{judged} fan-outs aggregated exactly children x activities, each "
                  "child once", **stats)


def _shape(inputs: dict[str, Any]) -> tuple[int, int] | None:
    """(children, activities) from the start inputs; None when the journal lacks them."""
    if inputs.get("children") is not None and inputs.get("activities") is not None:
        return int(inputs["children"]), int(inputs["activities"])
    return None


def _judge_parent(wid: str, record: dict[str, Any], shape: tuple[int, int],
                  kids: list[dict[str, Any]], items: Counter[tuple[int, int]] | None
                  ) -> list[dict[str, Any]]:
    """Problems of one finished parent; `items` None: the fan-out wrote no items to judge."""
    rows: list[dict[str, Any]] = []
    if record.get("status") == "FAILED":
        rows.append({"problem": "parent failed", "expected": "COMPLETED", "observed": "FAILED",
                     "failure": record.get("failure")})
    n_children, n_items = shape
    result = record.get("result")
    if isinstance(result, dict):
        want = {"children": n_children, "items": n_children * n_items,
                "total": expected_total(n_children, n_items)}
        got = {k: result.get(k) for k in want}
        if got != want:
            rows.append({"problem": "aggregate", "expected": want, "observed": got})
    expected_ids = {f"{wid}/child-{i}" for i in range(n_children)}
    runs = Counter(k["workflow_id"] for k in kids)
    for child_id, count in sorted(runs.items()):
        kid = next(k for k in kids if k["workflow_id"] == child_id)
        if child_id not in expected_ids:
            rows.append({"problem": "unexpected child", "child_id": child_id,
                         "expected": f"one of {wid}/child-0..{n_children - 1}",
                         "observed": child_id, "history": kid.get("history_file")})
        elif count > 1:
            rows.append({"problem": "child ran more than once", "child_id": child_id,
                         "expected": "1 execution", "observed": f"{count} executions",
                         "history": kid.get("history_file")})
    missing = sorted(expected_ids - set(runs))
    if missing and record.get("status") == "COMPLETED":
        rows.append({"problem": "missing children", "expected": f"{n_children} children",
                     "observed": f"{len(missing)} missing", "child_ids": missing})
    closed = epoch(record.get("close_time"))
    unfinished = sorted(k["workflow_id"] for k in kids if k["workflow_id"] in expected_ids
                        and (k.get("status") not in ("COMPLETED", "CONTINUED_AS_NEW")
                             or (closed is not None and (epoch(k.get("close_time")) or 0)
                                 > closed)))
    if unfinished and record.get("status") == "COMPLETED":
        rows.append({"problem": "parent completed before its children",
                     "expected": "every child COMPLETED", "child_ids": unfinished,
                     "observed": f"{len(unfinished)} children not completed when it did"})
    if items is None:
        return rows
    twice = sorted(key for key, n in items.items() if n > 1)
    if twice:
        rows.append({"problem": "items processed more than once",
                     "expected": "each (child, item) once",
                     "observed": [list(k) for k in twice[:20]], "count": len(twice)})
    wanted = {(c, i) for c in range(n_children) for i in range(n_items)}
    absent = sorted(wanted - set(items))
    if absent and record.get("status") == "COMPLETED":
        rows.append({"problem": "items never processed",
                     "expected": f"{len(wanted)} (child, item) effects in the ledger",
                     "observed": [list(k) for k in absent[:20]], "count": len(absent)})
    return rows
