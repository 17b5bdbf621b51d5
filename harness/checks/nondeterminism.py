"""nondeterminism: did deployed code strand running workflows, as seen live in Temporal?

Evidence per workflow: a WORKFLOW_TASK_FAILED event with the non-deterministic cause in
its history (with the SDK's message, which names the first divergent command and event)
and, for those still running, the pending workflow task attempts describe() reported.
A drill declares `expect: true`: then finding nondeterminism passes and missing it fails.
Without a deploy in the run, code never changed under a workflow: unknown. A deploy that
reached no running workflow proves nothing either way: unknown. Reached means, from the
histories and the journal: a workflow started before the deploy began ran a workflow task on
a worker started since (the history names the worker; the journal says when it started), so
code it did not start on processed it. The deploy being journaled, or a workflow being open
when it began, is not enough: on a loaded machine the old workers finished every order
while the deploy waited to stop them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from temporalio.client import WorkflowHistory

from harness.checks.verdict import Verdict, failed, passed, unknown
from harness.evidence.history import execution
from harness.runfolder import RunFolder
from harness.versions.detect import nondeterminism_failures

NAME = "nondeterminism"


class NondeterminismOptions(BaseModel):
    model_config = {"extra": "forbid"}

    expect: bool = False  # a deploy drill that must detect the bad deploy


def missing_histories(run: RunFolder) -> list[str]:
    """Stored executions whose history file is absent: code changes there cannot be seen."""
    return [r["workflow_id"] for r in run.workflows if not run.has_history(r)]


def stuck_workflows(run: RunFolder) -> list[dict[str, Any]]:
    rows = []
    for record, data in run.histories():
        history = WorkflowHistory.from_json(record["workflow_id"], data)
        failures = nondeterminism_failures(history)
        if failures:
            first = failures[0]
            rows.append({"workflow_id": record["workflow_id"], "run_id": record["run_id"],
                         "status": record["status"], "event_id": first.event_id,
                         "worker": first.identity, "message": first.message[:500],
                         "pending_workflow_task_attempt":
                             record.get("pending_workflow_task_attempt"),
                         "history": record["history_file"]})
    return rows


def crossed(run: RunFolder, deploys: list[dict[str, Any]]) -> list[str]:
    """Workflow ids that began on the old code and ran a workflow task on the deployed code
    (a worker started once the deploy began)."""
    starts = [(float(e["t"]), str(e.get("identity"))) for e in run.journal
              if e.get("kind") == "worker" and e.get("type") == "start"]
    windows = []
    for deploy in deploys:
        began = float(deploy.get("started") or deploy["t"])
        windows.append((began, {identity for t, identity in starts if t >= began}))
    found = []
    for record in run.workflows:
        facts = execution(run, record.get("history_file") or "", record["workflow_id"],
                          record.get("run_id") or "", decode=False)
        if facts is None or facts.start_t is None:
            continue
        if any(facts.start_t < began and any(task.identity in deployed
                                             for task in facts.workflow_tasks)
               for began, deployed in windows):
            found.append(record["workflow_id"])
    return found


def check(run: RunFolder, options: NondeterminismOptions | None = None) -> Verdict:
    options = options or NondeterminismOptions()
    deploys = [e for e in run.journal if e.get("kind") == "fault" and e.get("fault") == "deploy"
               and e.get("type") == "inject" and not e.get("error")]
    if not deploys:
        return unknown(NAME, "no deploy happened in this run: code never changed under a "
                       "running workflow")
    if not (run.path / "workflows.json").exists():
        return unknown(NAME, "workflows.json is missing: the run was not collected, so what "
                       "the deploy did to running workflows cannot be seen")
    if not run.workflows:
        return unknown(NAME, "no workflow execution was collected: nothing to judge")
    missing = missing_histories(run)
    stuck = stuck_workflows(run)
    still_running = sum(1 for r in stuck if r["status"] == "RUNNING")
    stats = {"nondeterministic": len(stuck), "still_stuck": still_running,
             "deploys": len(deploys)}
    stats["histories_missing"] = len(missing)
    reached = crossed(run, deploys) if not stuck else []  # stuck ones crossed by definition
    if not stuck:
        stats["crossed_deploy"] = len(reached)
    unreached = ("no workflow that started before the deploy ran a workflow task on the "
                 "deployed code (they finished on the old workers first): the deploy reached "
                 "no running workflow")
    if options.expect:
        if not stuck and missing:
            return unknown(NAME, f"the drill expected nondeterminism; none was found, but "
                           f"{len(missing)} executions have no stored history", **stats)
        if not stuck and not reached:
            return unknown(NAME, f"the drill cannot tell: {unreached}",
                           [{"deploys": [d.get("target") for d in deploys]}], **stats)
        if not stuck:
            return failed(NAME, "the drill expected nondeterminism after the deploy, and no "
                          "workflow hit it: the bad deploy went undetected",
                          [{"deploys": [d.get("target") for d in deploys]}], **stats)
        verdict = passed(NAME, f"detected as expected: {len(stuck)} workflows hit "
                         f"nondeterminism ({still_running} still stuck)", **stats)
        verdict.evidence = stuck  # a drill's report shows what it found
        return verdict
    if stuck:
        return failed(NAME, f"{len(stuck)} workflows hit nondeterminism after the deploy "
                      f"({still_running} still stuck)", stuck, **stats)
    if missing:
        return unknown(NAME, f"{len(missing)} of {len(run.workflows)} executions have no stored "
                       "history: nondeterminism there cannot be seen",
                       [{"workflow_id": w} for w in missing[:20]], **stats)
    if not reached:
        return unknown(NAME, unreached, [{"deploys": [d.get("target") for d in deploys]}],
                       **stats)
    return passed(NAME, f"no workflow hit nondeterminism across {len(deploys)} deploys "
                  f"({len(reached)} workflows ran on the deployed code after starting on the "
                  "old)", **stats)

