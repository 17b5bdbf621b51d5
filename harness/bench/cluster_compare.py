"""(f) The reference workloads on the cluster stack next to the dev server: same machine,
same run, the same scenarios, alternated so drift in the machine's load hits both sides.

Each side's figure is the run's own throughput (results.json stats: finished workflows per
second from workers ready to the last result), so it means what a run's report says.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.runner import run_scenario
from harness.scenario import parse_scenario
from harness.stack.stack import Stack, StackOptions

SCENARIOS = {
    "order_saga": "workloads: [{{name: order_saga, count: {n}, concurrency: {c}, "
                  "params: {{pack_items: 2, pack_item_seconds: 0.01}}}}]",
    "fanout": "workloads: [{{name: fanout, count: {p}, params: {{children: 5, "
              "activities: 5}}}}]",
}


def _scenario(workload: str, quick: bool) -> str:
    size = {"n": 12, "c": 6, "p": 2} if quick else {"n": 60, "c": 20, "p": 6}
    return (f"name: bench-{workload.replace('_', '-')}\ndeadline: 3m\nchecks: [liveness]\n"
            + SCENARIOS[workload].format(**size) + "\n")


async def _throughput(stack: Stack, workload: str, quick: bool, folder: Path
                      ) -> float | None:
    scenario = parse_scenario(_scenario(workload, quick), f"<bench {workload}>")
    outcome = await run_scenario(scenario, stack, folder)
    if outcome.results["status"] != "pass":
        raise RuntimeError(f"{workload} on the {stack.kind} stack did not pass "
                           f"({outcome.results['status']}); see {outcome.run.path}")
    value = outcome.results["stats"].get("throughput_wps")
    return float(value) if value is not None else None


async def cluster_vs_dev(cluster: Stack, folder: Path, quick: bool) -> dict[str, Any]:
    """Workflows/s of each reference workload on `cluster` and on a fresh dev server."""
    rounds = 1 if quick else 2
    figures: dict[str, dict[str, list[float]]] = {}
    async with Stack(StackOptions(state_dir=folder / "dev-stack")) as dev:
        for workload in SCENARIOS:
            for _ in range(rounds):
                for side, stack in (("cluster", cluster), ("dev", dev)):
                    value = await _throughput(stack, workload, quick, folder / "runs" / side)
                    if value is not None:
                        figures.setdefault(workload, {}).setdefault(side, []).append(value)
    out: dict[str, Any] = {"history_hosts": cluster.options.history_hosts,
                           "history_shards": cluster.options.history_shards, "workloads": {}}
    ratios = []
    for workload, sides in figures.items():
        mean = {side: round(sum(v) / len(v), 2) for side, v in sides.items() if v}
        ratio = (round(mean["cluster"] / mean["dev"], 3)
                 if mean.get("cluster") and mean.get("dev") else None)
        out["workloads"][workload] = {"cluster_wps": mean.get("cluster"),
                                      "dev_wps": mean.get("dev"), "cluster_vs_dev": ratio,
                                      "samples": sides}
        if ratio is not None:
            ratios.append(ratio)
    out["ratio"] = round(sum(ratios) / len(ratios), 3) if ratios else None
    return out
