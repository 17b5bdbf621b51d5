"""Effect probes: a user's function reading what really happened in the user's own systems.

Jepsen's final read. A check option `effects: package.module:function` names a probe; the
runner calls each named probe once after the run, while the user's database or service is
still up, and stores its rows in `effects/<probe>.json`, so `harness check` judges the same
rows again offline. A probe receives a `ProbeContext` (or nothing, if it takes no argument)
and returns rows: mappings with a `key` (what must take effect at most once) and, where it
knows them, `workflow_id` and `step`; other fields are kept as evidence.
"""

from __future__ import annotations

import inspect
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from harness.plugins import import_object
from harness.runfolder import RunFolder

PROBES_DIR = "effects"
PROBE_OPTION = "effects"


@dataclass(frozen=True)
class ProbeContext:
    """What a probe may need to find this run's rows among others'."""

    run_id: str  # every workflow id of the run starts with `<run_id>/`
    params: dict[str, dict[str, Any]] = field(default_factory=dict)  # by workload name

    def workflow_prefix(self) -> str:
        return f"{self.run_id}/"


def probe_file(path: str) -> str:
    """The run-folder file holding one probe's rows."""
    return f"{PROBES_DIR}/{re.sub(r'[^A-Za-z0-9_.-]+', '_', path)}.json"


def named_probes(checks: Iterable[tuple[str, dict[str, Any]]]) -> list[str]:
    """The probes the scenario's checks name, once each, in order."""
    found: list[str] = []
    for _name, options in checks:
        path = (options or {}).get(PROBE_OPTION)
        if isinstance(path, str) and path not in found:
            found.append(path)
    return found


async def run_probes(run: RunFolder, paths: list[str], context: ProbeContext) -> None:
    """Call each probe once and store what it returned, or why it could not answer."""
    for path in paths:
        started = time.time()
        record: dict[str, Any] = {"probe": path, "called_at": started}
        try:
            record["rows"] = [dict(row) for row in await _call(path, context)]
        except Exception as err:  # noqa: BLE001 - a broken probe makes its checks unknown
            record["error"] = f"{type(err).__name__}: {err}"[:500]
        record["seconds"] = round(time.time() - started, 3)
        run.write_json(probe_file(path), record)


async def _call(path: str, context: ProbeContext) -> list[Any]:
    fn = import_object(path)
    takes = len(inspect.signature(fn).parameters)
    result = fn(context) if takes else fn()
    if inspect.isawaitable(result):
        result = await result
    return list(result)


def stored_rows(run: RunFolder, path: str) -> tuple[list[dict[str, Any]] | None, str | None]:
    """The rows a probe returned in this run, or None and the reason there are none."""
    record = run.read_json(probe_file(path))
    if record is None:
        return None, f"no {probe_file(path)}: the probe {path} was not called in this run"
    if record.get("error"):
        return None, f"the probe {path} failed: {record['error']}"
    return list(record.get("rows") or []), None
