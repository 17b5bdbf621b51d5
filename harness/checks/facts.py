"""Shared readings of a run folder that several checks need.

Every check names workflows and their stored histories in its evidence, and most of them
start from "which workflows did the driver start for workload X" and "what did Temporal
end up with for id Y". Reading those the same way everywhere keeps the checks consistent.
"""

from __future__ import annotations

from typing import Any

from harness.runfolder import RunFolder


def starts(run: RunFolder, workload: str | None = None) -> dict[str, dict[str, Any]]:
    """Start invokes by workflow id (the first one), optionally of one workload only.

    The invoke carries the workload's inputs (fail_at, decision, children...); the outcome of
    the start is added as `start` (ok / fail / info / invoke when it never came back).
    """
    found: dict[str, dict[str, Any]] = {}
    for entry in run.journal:
        if entry.get("kind") != "client" or entry.get("op") != "start":
            continue
        wid = entry.get("workflow_id")
        if entry.get("type") == "invoke":
            if workload is None or entry.get("workload") == workload:
                found.setdefault(wid, {**entry, "start": "invoke"})
        elif wid in found:
            found[wid]["start"] = entry.get("type")
    return found


def expected_statuses(expect: Any) -> set[str]:
    """A start's `expect` as the set of acceptable terminal statuses.

    A starter may expect one status, or several ("completed or failed") when a fault may
    change the business outcome by design; a missing expectation means COMPLETED.
    """
    if expect is None:
        return {"COMPLETED"}
    if isinstance(expect, str):
        return {part.strip() for part in expect.split("|") if part.strip()}
    return {str(status) for status in expect}


def meets(status: str | None, expect: Any) -> bool:
    """Whether a terminal status is one the start expected."""
    return status in expected_statuses(expect)


def executions(run: RunFolder) -> dict[str, list[dict[str, Any]]]:
    """Every stored execution by workflow id, oldest first (continue-as-new chains in order)."""
    by_id: dict[str, list[dict[str, Any]]] = {}
    for record in run.workflows:
        by_id.setdefault(record["workflow_id"], []).append(record)
    for records in by_id.values():
        records.sort(key=lambda r: r.get("start_time") or "")
    return by_id


def latest(run: RunFolder) -> dict[str, dict[str, Any]]:
    """The last execution of each workflow id: the one whose status and result count."""
    return {wid: records[-1] for wid, records in executions(run).items()}


def history_of(run: RunFolder, workflow_id: str) -> str | None:
    """The stored history file of the workflow's last execution, as evidence names it."""
    record = latest(run).get(workflow_id)
    return record.get("history_file") if record else None


def histories_of(run: RunFolder, workflow_id: str) -> list[str]:
    """Every stored history file of the workflow id (all runs of a continue-as-new chain)."""
    return [r["history_file"] for r in executions(run).get(workflow_id, [])
            if r.get("history_file")]


def of_type(run: RunFolder, workflow_type: str) -> dict[str, dict[str, Any]]:
    """Last executions of one workflow type, by id."""
    return {wid: r for wid, r in latest(run).items() if r.get("workflow_type") == workflow_type}


def workload_ids(run: RunFolder, workload: str, workflow_type: str) -> set[str]:
    """Ids the driver started for a workload, plus stored executions of its workflow type
    (a run judged again after a driver change still finds its workflows)."""
    return set(starts(run, workload)) | set(of_type(run, workflow_type))


def ledger_table(run: RunFolder, table: str) -> list[dict[str, Any]] | None:
    """Rows of one ledger table, or None when the run stored no ledger at all."""
    ledger = run.ledger
    if not isinstance(ledger, dict):
        return None
    return list(ledger.get(table) or [])
