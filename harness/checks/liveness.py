"""liveness: every started workflow reached its expected terminal state by the deadline.

Indeterminate starts (the client never heard back) are reconciled against what
Temporal knows by workflow id: a start that did happen must finish like any other;
one that did not happen is not a straggler.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.journal import FAIL, INFO
from harness.runfolder import RunFolder

NAME = "liveness"


class LivenessOptions(BaseModel):
    model_config = {"extra": "forbid"}


def started_workflows(run: RunFolder) -> dict[str, dict[str, Any]]:
    """Workflow ids the driver started, with their expectation and start outcome."""
    starts: dict[str, dict[str, Any]] = {}
    for entry in run.journal:
        if entry.get("kind") != "client" or entry.get("op") != "start":
            continue
        wid = entry["workflow_id"]
        if entry["type"] == "invoke":
            starts[wid] = {"expect": entry.get("expect", "COMPLETED"), "start": "invoke"}
        elif wid in starts:
            starts[wid]["start"] = entry["type"]
    return starts


def check(run: RunFolder, options: LivenessOptions | None = None) -> Verdict:
    starts = started_workflows(run)
    if not starts:
        return unknown(NAME, "no workflow was started, so liveness cannot be judged")
    if not run.workflows and not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected")
    latest = latest_executions(run.workflows)
    stragglers: list[dict[str, Any]] = []
    reconciled = {"happened": 0, "did_not_happen": 0}
    checked = 0
    for wid, start in sorted(starts.items()):
        record = latest.get(wid)
        if start["start"] in (FAIL,) and record is None:
            continue  # the server refused the start: nothing to finish
        if start["start"] in (INFO, "invoke"):
            if record is None:
                reconciled["did_not_happen"] += 1
                continue
            reconciled["happened"] += 1
        checked += 1
        if record is None:
            stragglers.append({"workflow_id": wid, "expected": start["expect"],
                               "observed": "NOT FOUND", "last_event": None, "history": None})
            continue
        if record["status"] != start["expect"]:
            stragglers.append({
                "workflow_id": wid, "expected": start["expect"], "observed": record["status"],
                "last_event": record.get("last_event"), "history": record.get("history_file"),
                "failure": record.get("failure"),
            })
    stats = {"workflows": checked, "stragglers": len(stragglers),
             "indeterminate_starts": reconciled}
    if stragglers:
        return failed(NAME, f"{len(stragglers)} of {checked} workflows did not reach their "
                      f"expected terminal state", stragglers, **stats)
    note = ""
    if sum(reconciled.values()):
        note = (f" ({reconciled['happened']} indeterminate starts found in Temporal, "
                f"{reconciled['did_not_happen']} never happened)")
    return passed(NAME, f"all {checked} workflows reached their expected state{note}", **stats)


def latest_executions(workflows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The last execution of each workflow id (continue-as-new chains end in the last run)."""
    latest: dict[str, dict[str, Any]] = {}
    for record in workflows:
        wid = record["workflow_id"]
        current = latest.get(wid)
        if current is None or (record.get("start_time") or "") >= (current.get("start_time") or ""):
            latest[wid] = record
    return latest
