"""liveness: every started workflow reached its expected terminal state by the deadline.

Indeterminate starts (the client never heard back) are reconciled against what
Temporal knows by workflow id: a start that did happen must finish like any other;
one that did not happen is not a straggler. What the run could not put to the test is
never a pass: no workflow judged at all, workflows the deadline cut before they were
started, and driver errors (a workflow the harness failed to drive) make it unknown,
unless a straggler already makes it fail.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from harness.checks.facts import latest, meets, starts
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.journal import FAIL, INFO
from harness.runfolder import RunFolder

NAME = "liveness"


class LivenessOptions(BaseModel):
    model_config = {"extra": "forbid"}


def check(run: RunFolder, options: LivenessOptions | None = None) -> Verdict:
    started = starts(run)
    cut, errors = not_driven(run)
    if not started and not cut and not errors:
        return unknown(NAME, "no workflow was started, so liveness cannot be judged")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected")
    last = latest(run)
    stragglers: list[dict[str, Any]] = []
    reconciled = {"happened": 0, "did_not_happen": 0}
    refused = checked = 0
    for wid, start in sorted(started.items()):
        record = last.get(wid)
        expect = start.get("expect", "COMPLETED")
        if start["start"] == FAIL and record is None:
            refused += 1
            continue  # the server refused the start: nothing to finish
        if start["start"] in (INFO, "invoke"):
            if record is None:
                reconciled["did_not_happen"] += 1
                continue
            reconciled["happened"] += 1
        checked += 1
        if record is None:
            stragglers.append({"workflow_id": wid, "expected": expect,
                               "observed": "NOT FOUND", "last_event": None, "history": None})
        elif not meets(record["status"], expect):
            stragglers.append({
                "workflow_id": wid, "expected": expect, "observed": record["status"],
                "last_event": record.get("last_event"), "history": record.get("history_file"),
                "failure": record.get("failure"),
            })
    stats = {"workflows": checked, "stragglers": len(stragglers), "refused_starts": refused,
             "indeterminate_starts": reconciled, "not_started": sum(cut.values()),
             "driver_errors": len(errors)}
    if stragglers:
        return failed(NAME, f"{len(stragglers)} of {checked} workflows did not reach their "
                      f"expected terminal state", stragglers, **stats)
    unjudged = [{"workload": w, "expected": "started and judged",
                 "observed": f"{n} never started: the deadline cut the driver short"}
                for w, n in sorted(cut.items()) if n] + \
               [{"expected": "driven to the end", "observed": f"driver error: {e}"}
                for e in errors]
    if unjudged:
        return unknown(NAME, f"{sum(cut.values())} workflows never started and "
                       f"{len(errors)} driver errors: their liveness was never judged "
                       f"({checked} judged workflows reached their expected state)",
                       unjudged, **stats)
    if not checked:
        return unknown(NAME, f"no workflow could be judged: {refused} starts refused, "
                       f"{reconciled['did_not_happen']} indeterminate starts never happened",
                       **stats)
    note = ""
    if sum(reconciled.values()):
        note = (f" ({reconciled['happened']} indeterminate starts found in Temporal, "
                f"{reconciled['did_not_happen']} never happened)")
    return passed(NAME, f"all {checked} workflows reached their expected state{note}", **stats)


def not_driven(run: RunFolder) -> tuple[dict[str, int], list[str]]:
    """Workflows the deadline cut before they started (per workload), and driver errors."""
    cut: dict[str, int] = {}
    errors: list[str] = []
    for entry in run.journal:
        if entry.get("kind") != "run":
            continue
        if entry.get("type") == "deadline_cut":
            for workload, n in (entry.get("not_started") or {}).items():
                cut[str(workload)] = cut.get(str(workload), 0) + int(n)
        elif entry.get("type") == "driver_error":
            errors.append(str(entry.get("error")))
    return cut, errors
