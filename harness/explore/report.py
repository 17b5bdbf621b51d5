"""Explore's report: draws, time per draw, failures with their minimal scenarios, coverage.

Coverage says what the search actually exercised: which fault families were drawn and
which of them fired (from each run's executed schedule, so a fault that never landed is
not counted as exercised), on which targets, at which times, on which workload versions,
and how each check judged the draws (a check that was never anything but unknown was
never exercised). Written as explore.json and explore.md into the explore folder.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from typing import Any

from harness.durations import format_duration
from harness.explore.session import DrawRecord, ExploreResult, Finding, scenario_yaml
from harness.faults.registry import FAULTS

TIMING_BUCKETS = ((1.0, "0-1s"), (3.0, "1-3s"), (6.0, "3-6s"), (15.0, "6-15s"))


def timing_bucket(seconds: float) -> str:
    for limit, label in TIMING_BUCKETS:
        if seconds < limit:
            return label
    return f"{TIMING_BUCKETS[-1][0]:.0f}s+"


def executed(record: DrawRecord) -> list[dict[str, Any]]:
    """The run's executed schedule; empty when the run left none."""
    if not record.result.run_dir:
        return []
    path = Path(record.result.run_dir) / "executed_schedule.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [entry for entry in data if isinstance(entry, dict)]


def coverage(draws: list[DrawRecord]) -> dict[str, Any]:
    drawn: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    errors: Counter[str] = Counter()
    targets: Counter[str] = Counter()
    timings: Counter[str] = Counter()
    workloads: Counter[str] = Counter()
    checks: dict[str, Counter[str]] = {}
    for record in draws:
        for fault in record.scenario.faults:
            drawn[getattr(fault, "type", "?")] += 1
        for entry in executed(record):
            kind = str(entry.get("type"))
            if "error" in entry:
                errors[kind] += 1
            if entry.get("injected_at") is not None:
                fired[kind] += 1
                targets[f"{kind} → {entry.get('target') or '-'}"] += 1
                timings[timing_bucket(float(entry["injected_at"]))] += 1
        for workload in record.scenario.workloads:
            workloads[f"{workload.name}@{workload.version}"] += workload.count
        for check, status in record.result.verdicts.items():
            checks.setdefault(check, Counter())[status] += 1
    families = {name: {"drawn": drawn[name], "fired": fired[name], "errors": errors[name]}
                for name in FAULTS}
    for name in drawn:  # users' own fault families
        families.setdefault(name, {"drawn": drawn[name], "fired": fired[name],
                                   "errors": errors[name]})
    return {
        "families": families,
        "not_fired": sorted(name for name, row in families.items() if not row["fired"]),
        "targets": dict(targets.most_common()),
        "timings": {label: timings[label] for _, label in TIMING_BUCKETS
                    if timings[label]} | ({k: v for k, v in timings.items()
                                           if k.endswith("+")}),
        "workflows": dict(workloads.most_common()),
        "checks": {name: dict(counts) for name, counts in sorted(checks.items())},
    }


def _link(path: str | None, root: Path) -> str:
    return os.path.relpath(path, root) if path else ""


def _finding_json(finding: Finding, root: Path) -> dict[str, Any]:
    minimal = finding.minimal
    return {
        "draw": finding.draw,
        "scenario": finding.scenario.name,
        "failed_checks": sorted(finding.signature),
        "verdict": finding.verdict,
        "duplicate_of": finding.duplicate_of,
        "reproduced": {"failed": finding.original.failed, "runs": finding.original.runs,
                       "run_dirs": [_link(p, root) for p in finding.original.run_dirs]},
        "shrink": {
            "steps": len(finding.steps), "kept": sum(s.failed for s in finding.steps),
            "seconds": finding.shrink_seconds, "one_minimal": finding.one_minimal,
            "moves": [{"move": s.move, "failed": s.failed} for s in finding.steps],
        },
        "faults": {"before": len(finding.scenario.faults),
                   "after": len(minimal.faults) if minimal else None},
        "workflows": {"before": sum(w.count for w in finding.scenario.workloads),
                      "after": sum(w.count for w in minimal.workloads) if minimal else None},
        "minimal_scenario": finding.minimal_path and _link(finding.minimal_path, root),
        "minimal_yaml": scenario_yaml(minimal) if minimal else None,
        "minimal_reproduced": None if finding.minimal_reproduction is None else {
            "failed": finding.minimal_reproduction.failed,
            "runs": finding.minimal_reproduction.runs,
            "run_dirs": [_link(p, root) for p in finding.minimal_reproduction.run_dirs]},
    }


def to_json(result: ExploreResult, root: Path) -> dict[str, Any]:
    draws = result.draws
    return {
        "schema": "harness.explore/1",
        "seed": result.settings.seed,
        "budget_s": result.settings.budget,
        "spaces": result.spaces,
        "stopped": result.stopped,
        "seconds": result.seconds,
        "search_seconds": result.search_seconds,
        "draws": [{
            "index": d.index, "space": d.space, "scenario": d.scenario.name,
            "seconds": d.result.seconds, "status": d.status,
            "failed_checks": sorted(d.result.failed_checks),
            "unknown_checks": sorted(d.result.unknown_checks),
            "workloads": [f"{w.name}@{w.version} x{w.count}" for w in d.scenario.workloads],
            "faults": [getattr(f, "type", "?") for f in d.scenario.faults],
            "run_dir": _link(d.result.run_dir, root),
        } for d in draws],
        "findings": [_finding_json(f, root) for f in result.findings],
        "coverage": coverage(draws),
    }


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |"
              for row in rows]
    return lines + [""]


def to_markdown(data: dict[str, Any]) -> str:
    draws = data["draws"]
    per_draw = [d["seconds"] for d in draws]
    mean = sum(per_draw) / len(per_draw) if per_draw else 0.0
    real = [f for f in data["findings"] if f["duplicate_of"] is None]
    lines = [
        f"# Explore · seed {data['seed']} · spaces {', '.join(data['spaces'])}", "",
        f"- draws: {len(draws)} in {format_duration(data['search_seconds'])} of search "
        f"(budget {format_duration(data['budget_s'])}); {format_duration(data['seconds'])} "
        "in all",
        f"- time per draw: mean {format_duration(mean)}, "
        f"min {format_duration(min(per_draw, default=0))}, "
        f"max {format_duration(max(per_draw, default=0))}",
        f"- failures: {len(real)} ({sum(f['verdict'] == 'flaky' for f in real)} flaky); "
        f"stopped: {data['stopped']}", "",
        "## Failures", "",
    ]
    if not data["findings"]:
        lines += ["None found.", ""]
    for f in data["findings"]:
        lines.append(f"### Draw {f['draw']}: {', '.join(f['failed_checks'])} "
                     f"failed — {f['verdict']}")
        lines.append("")
        if f["duplicate_of"] is not None:
            lines += [f"The same failure as draw {f['duplicate_of']}; not shrunk again.", ""]
            continue
        rep = f["reproduced"]
        lines.append(f"- the draw failed {rep['failed']} of {rep['runs']} runs")
        if f["minimal_yaml"] is None:
            lines += ["- not shrunk: it failed only once (flaky)", ""]
            continue
        shrink, mini = f["shrink"], f["minimal_reproduced"]
        lines += [
            f"- shrunk in {shrink['steps']} steps ({shrink['kept']} kept) in "
            f"{format_duration(shrink['seconds'])}: faults {f['faults']['before']} → "
            f"{f['faults']['after']}, workflows {f['workflows']['before']} → "
            f"{f['workflows']['after']}; "
            + ("1-minimal" if shrink["one_minimal"] else "shrink budget ran out first"),
            (f"- the minimal scenario failed {mini['failed']} of {mini['runs']} runs: "
             f"`harness run {f['minimal_scenario']}`") if mini else
            "- the minimal scenario was not confirmed: the search was interrupted",
            "", "```yaml", f["minimal_yaml"].rstrip(), "```", ""]
    lines += ["## Draws", ""]
    lines += _table(["#", "scenario", "workloads", "faults", "time", "result", "run folder"], [
        [d["index"], d["scenario"], ", ".join(d["workloads"]), ", ".join(d["faults"]) or "-",
         format_duration(d["seconds"]),
         d["status"] + (f" ({', '.join(d['failed_checks'])})" if d["failed_checks"] else ""),
         f"[{Path(d['run_dir']).name}]({d['run_dir']})" if d["run_dir"] else ""]
        for d in draws])
    cov = data["coverage"]
    lines += ["## Coverage", "", "Fault families (fired: injected, per the run's executed "
              "schedule):", ""]
    lines += _table(["family", "drawn", "fired", "inject errors"],
                    [[k, v["drawn"], v["fired"], v["errors"]]
                     for k, v in cov["families"].items()])
    lines += _table(["target", "firings"], [[k, v] for k, v in cov["targets"].items()])
    lines += _table(["fired at (after driving began)", "firings"],
                    [[k, v] for k, v in cov["timings"].items()])
    lines += _table(["workload@version", "workflows"],
                    [[k, v] for k, v in cov["workflows"].items()])
    lines += _table(["check", "pass", "fail", "unknown"],
                    [[k, v.get("pass", 0), v.get("fail", 0), v.get("unknown", 0)]
                     for k, v in cov["checks"].items()])
    return "\n".join(lines)


def write(result: ExploreResult, root: Path) -> dict[str, Any]:
    root.mkdir(parents=True, exist_ok=True)
    data = to_json(result, root)
    (root / "explore.json").write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    (root / "explore.md").write_text(to_markdown(data), encoding="utf-8")
    return data
