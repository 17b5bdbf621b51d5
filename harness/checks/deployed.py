"""Which workflow code a run deployed last, per workload: what its histories must replay on.

The scenario names a version per workload, and `workers.version` may override it (the
workers run other code than the client expects). A deploy drill changes versions mid-run
and journals it as a fault `deploy` with params {versions: {workload: version}}; the latest
deploy of a workload wins, because that is the code the surviving executions now run on.
"""

from __future__ import annotations

from typing import Any

import yaml

from harness.runfolder import RunFolder


def deployed_versions(run: RunFolder) -> dict[str, str]:
    """Workload name -> the version deployed last in this run."""
    scenario = _scenario(run)
    versions: dict[str, str] = {}
    for spec in scenario.get("workloads") or []:
        if isinstance(spec, dict) and spec.get("name"):
            versions[spec["name"]] = str(spec.get("version") or "v1")
    versions.update((scenario.get("workers") or {}).get("version") or {})
    for entry in run.journal:
        if (entry.get("kind"), entry.get("type"), entry.get("fault")) != \
                ("fault", "inject", "deploy") or entry.get("error"):
            continue
        params = entry.get("params") or {}
        versions.update({str(w): str(v) for w, v in (params.get("versions") or {}).items()})
        if params.get("workload") and isinstance(params.get("to"), str):
            versions[str(params["workload"])] = str(params["to"])
    return versions


def _scenario(run: RunFolder) -> dict[str, Any]:
    path = run.path / "scenario.yaml"
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}
