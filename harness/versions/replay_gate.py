"""The replay gate: replay stored or live histories against candidate workflow code.

Before a release, replay the histories of running (or recent) executions against the new
code: any nondeterminism means deploying it would strand those executions. Each replay is
bounded by a timeout. Replay compares commands and their order, not activity arguments:
see docs/versions.md for what it cannot see and how the harness covers that.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from temporalio.client import Client, WorkflowHistory

from harness.checks.replay import NONDETERMINISM, OK, ReplayOutcome, replay_bounded
from harness.checks.verdict import Status, exit_code, merge
from harness.errors import UsageError
from harness.history_store import history_part_files, iter_part
from harness.plugins import import_object


@dataclass
class GateResult:
    workflow_id: str
    run_id: str
    source: str  # the history file, or "live"
    outcome: ReplayOutcome


def load_workflow_classes(spec: str) -> list[type]:
    """Workflow classes to replay, comma-separated, each one of:
    `module:Class`; `workload@version` (a reference workload); `package.module:NAME@version`
    (a user's Workload by import path); `path/scenario.yaml@version` (the app a scenario
    names by import path, or its first workload)."""
    classes: list[type] = []
    for item in filter(None, (s.strip() for s in spec.split(","))):
        if "@" in item:
            classes += _workload_version(item)
            continue
        try:
            obj = import_object(item)
        except (ImportError, AttributeError, ValueError) as err:
            raise UsageError(f"--workflows: cannot import {item!r}: {err}") from err
        if not isinstance(obj, type):
            raise UsageError(f"--workflows: {item!r} is not a workflow class")
        classes.append(obj)
    if not classes:
        raise UsageError("--workflows: name at least one workflow class")
    return classes


def _workload_version(item: str) -> list[type]:
    from harness.workloads.registry import WORKLOADS

    name, _, version = item.rpartition("@")
    if name.endswith((".yaml", ".yml")):
        from harness.scenario import load_scenario

        name = load_scenario(name).workloads[0].name  # registers an app it names
    if name not in WORKLOADS:
        raise UsageError(f"--workflows: unknown workload {name!r} in {item!r} (a reference "
                         "workload, package.module:NAME of a Workload, or a scenario file)")
    versions = WORKLOADS[name].versions
    if version not in versions:
        raise UsageError(f"--workflows: unknown version {version!r} of {name!r} "
                         f"(known: {', '.join(versions)})")
    return list(versions[version])


def history_files(folder: Path) -> list[Path]:
    """History files under `folder`: a run folder's compressed parts (part-*.jsonl.gz) and
    single history JSON files (other JSON, like a manifest, is left out)."""
    if not folder.is_dir():
        raise UsageError(f"--histories {folder}: not a folder")
    files = sorted(p for p in folder.rglob("*.json") if p.is_file() and _looks_like_history(p))
    files += history_part_files(folder)
    if not files:
        raise UsageError(f"--histories {folder}: no history files (*.json, part-*.jsonl.gz)")
    return files


def read_histories(path: Path) -> Iterator[tuple[str, WorkflowHistory]]:
    """(source, history) of every history in one file: a part holds many, a JSON file one."""
    if path.name.endswith(".jsonl.gz"):
        for workflow_id, _run_id, data in iter_part(path):
            yield f"{path}#{workflow_id}", WorkflowHistory.from_json(workflow_id, data)
    else:
        yield str(path), read_history(path)


def _looks_like_history(path: Path) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return False
    return isinstance(data, dict) and isinstance(data.get("events"), list)


def read_history(path: Path) -> WorkflowHistory:
    """A stored history; the workflow id is the harness's file name, else the file stem."""
    text = path.read_text(encoding="utf-8")
    name = path.stem
    workflow_id = name.rsplit("__", 1)[0].replace("__", "/") if "__" in name else name
    try:
        return WorkflowHistory.from_json(workflow_id, text)
    except (ValueError, KeyError, json.JSONDecodeError) as err:
        raise UsageError(f"{path}: not a workflow history ({err})") from err


def workflow_type(history: WorkflowHistory) -> str:
    first = history.events[0] if history.events else None
    if first is None:
        return ""
    return first.workflow_execution_started_event_attributes.workflow_type.name


def type_names(workflows: Sequence[type]) -> set[str]:
    from temporalio.workflow import _Definition

    return {_Definition.must_from_class(cls).name or cls.__name__ for cls in workflows}


def replay_files(files: Iterable[Path], workflows: Sequence[type],
                 timeout: float) -> list[GateResult]:
    """Replay the histories of the given workflows' types; other types are skipped."""
    names = type_names(workflows)
    results = []
    for path in files:
        for source, history in read_histories(path):
            if workflow_type(history) not in names:
                continue
            outcome = replay_bounded(history, workflows, timeout)
            results.append(GateResult(history.workflow_id, history.run_id, source, outcome))
    return results


async def replay_live(client: Client, query: str, workflows: Sequence[type],
                      timeout: float) -> list[GateResult]:
    import asyncio

    names = type_names(workflows)
    results = []
    async for execution in client.list_workflows(query):
        if execution.workflow_type not in names:
            continue
        handle = client.get_workflow_handle(execution.id, run_id=execution.run_id)
        history = await handle.fetch_history()
        outcome = await asyncio.to_thread(replay_bounded, history, workflows, timeout)
        results.append(GateResult(execution.id, execution.run_id, "live", outcome))
    return results


def replay_status(outcome: ReplayOutcome) -> Status:
    """A clean replay passes; a timeout or an error could not judge it (unknown); anything
    else (nondeterminism, a failed replay) fails."""
    if outcome.status == OK:
        return Status.PASS
    return Status.UNKNOWN if outcome.status in ("timeout", "error") else Status.FAIL


def gate_status(results: list[GateResult]) -> Status:
    """Worst wins over every replay; no history replayed at all is unknown."""
    return merge(replay_status(r.outcome) for r in results)


def gate_exit_code(results: list[GateResult]) -> int:
    """1 on any nondeterminism or replay failure; 3 when some replays could not be judged."""
    return exit_code(gate_status(results))


__all__ = ["NONDETERMINISM", "GateResult", "gate_exit_code", "gate_status", "load_workflow_classes",
           "replay_files", "replay_live"]
