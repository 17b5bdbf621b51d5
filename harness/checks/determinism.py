"""determinism: every collected history replays on the workflow code the run deployed.

A code change that reorders or inserts commands breaks executions already running; the
replayer finds it offline from the stored histories (RunFolder.histories), without waiting
for a stuck workflow task in production. Each history is replayed against the classes of
the version its workload deployed last (harness.checks.deployed), each replay bounded by
`timeout_s`. Nondeterminism (or any replay failure) fails with the workflow id, run id,
history file and the replayer's message; a history that could not be judged (a timeout,
an unknown workflow type) is an unknown row, and makes the verdict unknown if nothing
failed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field
from temporalio.client import WorkflowHistory

from harness.checks.deployed import deployed_versions
from harness.checks.replay import FAILURE, NONDETERMINISM, OK, replay_bounded
from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.runfolder import RunFolder
from harness.workloads.registry import WORKLOADS

NAME = "determinism"


class DeterminismOptions(BaseModel):
    model_config = {"extra": "forbid"}

    timeout_s: float = Field(default=10.0, gt=0)


def check(run: RunFolder, options: DeterminismOptions | None = None) -> Verdict:
    options = options or DeterminismOptions()
    code = deployed_code(deployed_versions(run))
    rows: list[dict[str, Any]] = []
    counts = {OK: 0, "not_judged": 0, "failed": 0}
    replayed = 0
    for record, data in run.histories():
        replayed += 1
        row = {"workflow_id": record.get("workflow_id"), "run_id": record.get("run_id"),
               "workflow_type": record.get("workflow_type"),
               "history": record.get("history_file")}
        deployed = code.get(str(record.get("workflow_type")))
        if deployed is None:
            counts["not_judged"] += 1
            rows.append({**row, "status": "unknown",
                         "error": "no deployed workload defines this workflow type"})
            continue
        workload, version, classes = deployed
        history = WorkflowHistory.from_json(str(record.get("workflow_id")), data)
        outcome = replay_bounded(history, classes, options.timeout_s)
        if outcome.status == OK:
            counts[OK] += 1
            continue
        judged_bad = outcome.status in (NONDETERMINISM, FAILURE)
        counts["failed" if judged_bad else "not_judged"] += 1
        rows.append({**row, "workload": workload, "version": version,
                     "status": "fail" if judged_bad else "unknown", "kind": outcome.status,
                     "error": outcome.message})
    if not replayed:
        return unknown(NAME, "no history was collected, so there is nothing to replay")
    stats = {"histories": replayed, "replayed_ok": counts[OK], "failed": counts["failed"],
             "not_judged": counts["not_judged"],
             "versions": {w: v for w, (v, _) in _by_workload(code).items()}}
    if counts["failed"]:
        return failed(NAME, f"{counts['failed']} of {replayed} histories do not replay on the "
                      f"deployed code", rows, **stats)
    if counts["not_judged"]:
        return unknown(NAME, f"{counts['not_judged']} of {replayed} histories could not be "
                       f"judged ({counts[OK]} replayed fine)", rows, **stats)
    return passed(NAME, f"all {replayed} histories replay on the deployed code", **stats)


def deployed_code(versions: dict[str, str]) -> dict[str, tuple[str, str, Sequence[type]]]:
    """Workflow type name -> (workload, version, that version's workflow classes)."""
    code: dict[str, tuple[str, str, Sequence[type]]] = {}
    for name, version in versions.items():
        workload = WORKLOADS.get(name)
        classes = workload.versions.get(version) if workload else None
        for cls in classes or []:
            code[type_name(cls)] = (name, version, classes)
    return code


def type_name(cls: type) -> str:
    """The workflow type a class registers (its @workflow.defn name)."""
    from temporalio.workflow import _Definition

    return _Definition.must_from_class(cls).name or cls.__name__


def _by_workload(code: dict[str, tuple[str, str, Sequence[type]]]
                 ) -> dict[str, tuple[str, Sequence[type]]]:
    return {workload: (version, classes) for workload, version, classes in code.values()}
