"""`harness bench`: every comparison in one invocation, on one stack; JSON out.

    (a) bare SDK client + minimal worker        (b) the Locust path, same work, same worker
    (c) reference fan-out vs a minimal one; 20K vs 1K activities (linearity)
    (d) embedded default DB pragmas vs a file DB without them (two fresh servers)
    (e) all checks over a synthetic 10K-workflow run folder: seconds and peak RSS

The fan-out workers connect direct (no toxiproxy hop: nothing is injected here); the hop's
cost is measured on its own as `proxy_vs_direct`. Targets are reported, never asserted. A
part that fails is recorded under `errors` with null figures, and the others still run.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from harness.bench.bare import BenchWorker, bare_throughput
from harness.bench.phases import (
    checks_cost,
    db_pair,
    fanout_via,
    locust_throughput,
    reference_fanout,
)
from harness.load.links import workers_direct
from harness.stack.stack import Stack


@dataclass(frozen=True)
class BenchSizes:
    duration: float  # (a), (b): seconds of closed-loop load
    users: int  # (a), (b): workflows in flight
    fanout: tuple[int, int]  # (c): children x activities
    linear_small: tuple[int, int, int]  # (c): parents, children, activities
    linear_big: tuple[int, int, int]
    proxy_fanout: tuple[int, int]
    db_duration: float  # (d)
    checks_workflows: int  # (e)


FULL = BenchSizes(10.0, 10, (100, 100), (1, 10, 100), (2, 100, 100), (100, 30), 10.0, 10_000)
QUICK = BenchSizes(3.0, 5, (4, 5), (1, 2, 10), (2, 10, 20), (4, 5), 3.0, 1_000)

TARGETS = {"locust_vs_bare": 0.95, "fanout_vs_minimal": 0.9, "linear_20k_vs_1k": 0.85,
           "default_vs_naive_db": 2.0, "checks_10k_seconds": 30.0, "checks_10k_rss_mb": 400.0}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 3) if a and b else None


class Phases:
    """Runs each measurement; one that fails is recorded (its figures null) and the
    benchmark goes on, so a broken part never hides the others' figures."""

    def __init__(self, say: Callable[[str], None]) -> None:
        self.say = say
        self.raw: dict[str, Any] = {}
        self.errors: dict[str, str] = {}

    async def run(self, key: str, what: str, coro: Awaitable[Any]) -> Any:
        self.say(what)
        try:
            self.raw[key] = await coro
        except Exception as err:  # noqa: BLE001 - reported in the JSON and on screen
            self.errors[key] = f"{type(err).__name__}: {err}"
            self.say(f"  failed: {self.errors[key]}")
            self.raw[key] = None
        return self.raw[key]

    def figure(self, key: str, *path: str) -> Any:
        value: Any = self.raw.get(key)
        for part in path:
            value = value.get(part) if isinstance(value, dict) else None
        return value


async def run_bench(stack: Stack, folder: Path, quick: bool,
                    say: Callable[[str], None] = print) -> dict[str, Any]:
    sizes = QUICK if quick else FULL
    assert stack.direct is not None
    folder.mkdir(parents=True, exist_ok=True)
    client = await stack.direct.connect()
    started = time.monotonic()
    phases = Phases(say)
    stamp = time.strftime("%Y%m%dT%H%M%S")

    queue, run_id = f"bench-noop-{stamp}", f"bench-{stamp}"
    worker = await BenchWorker(stack.direct, queue, folder, "bench-worker").start()
    try:
        loop = {"concurrency": sizes.users, "duration": sizes.duration}
        await phases.run("bare_1", "(a) bare SDK baseline",
                         bare_throughput(client, queue, run_id, **loop))
        await phases.run("locust", "(b) Locust path, same work and worker", locust_throughput(
            stack.direct, queue, run_id, folder / "load", users=sizes.users,
            duration=sizes.duration))
        await phases.run("bare_2", "(a) bare SDK baseline again (drift check)",
                         bare_throughput(client, queue, run_id + "-2", **loop))
    finally:
        worker.stop()
    bare = [r["workflows_per_s"] for r in (phases.raw["bare_1"], phases.raw["bare_2"]) if r]
    phases.raw["bare"] = {"workflows_per_s": round(sum(bare) / len(bare), 2) if bare else None}

    c, a = sizes.fanout
    runs = folder / "runs"
    # Minimal, reference, minimal again: the server's database grows run after run, so the
    # minimal figure is the mean of one run before and one after the reference.
    await phases.run("fanout_minimal_1", f"(c) minimal fan-out {c}x{a}",
                     fanout_via(stack.direct, client, folder, "fanout-minimal-1", c, a))
    with workers_direct(stack):
        await phases.run("fanout_reference", f"(c) reference fan-out {c}x{a}", reference_fanout(
            stack, runs, parents=1, children=c, activities=a))
    await phases.run("fanout_minimal_2", f"(c) minimal fan-out {c}x{a} again",
                     fanout_via(stack.direct, client, folder, "fanout-minimal-2", c, a))
    minimal = [r["activities_per_s"] for r in (phases.raw["fanout_minimal_1"],
                                               phases.raw["fanout_minimal_2"]) if r]
    phases.raw["fanout_minimal"] = {
        "activities_per_s": round(sum(minimal) / len(minimal), 2) if minimal else None}
    with workers_direct(stack):
        for key, (p, ch, ac) in (("linear_small", sizes.linear_small),
                                 ("linear_big", sizes.linear_big)):
            await phases.run(key, f"(c) linearity: {p * ch * ac} activities", reference_fanout(
                stack, runs, parents=p, children=ch, activities=ac))
    if stack.worker_connection is not None and stack.worker_connection != stack.direct:
        pc, pa = sizes.proxy_fanout
        await phases.run("hop_direct", "toxiproxy hop: minimal fan-out direct", fanout_via(
            stack.direct, client, folder, "hop-direct", pc, pa))
        await phases.run("hop_proxy", "toxiproxy hop: minimal fan-out through the proxy",
                         fanout_via(stack.worker_connection, client, folder, "hop-proxy",
                                    pc, pa))

    await phases.run("db", "(d) embedded default DB vs naive file DB",
                     db_pair(folder, concurrency=sizes.users, duration=sizes.db_duration))
    await phases.run("checks", f"(e) all checks over {sizes.checks_workflows} synthetic "
                     "workflows", checks_cost(folder, sizes.checks_workflows))

    f = phases.figure
    result: dict[str, Any] = {
        "locust_vs_bare": _ratio(f("locust", "workflows_per_s"), f("bare", "workflows_per_s")),
        "fanout_vs_minimal": _ratio(f("fanout_reference", "activities_per_s"),
                                    f("fanout_minimal", "activities_per_s")),
        "linear_20k_vs_1k": _ratio(f("linear_big", "activities_per_s"),
                                   f("linear_small", "activities_per_s")),
        "default_vs_naive_db": _ratio(f("db", "default", "workflows_per_s"),
                                      f("db", "naive", "workflows_per_s")),
        "checks_10k_seconds": f("checks", "seconds"),
        "checks_10k_rss_mb": f("checks", "rss_mb"),
        "proxy_vs_direct": _ratio(f("hop_proxy", "activities_per_s"),
                                  f("hop_direct", "activities_per_s")),
    }
    result.update({"targets": TARGETS, "quick": quick, "sizes": asdict(sizes),
                   "errors": phases.errors, "raw": phases.raw,
                   "seconds": round(time.monotonic() - started, 1), "folder": str(folder)})
    return result


def meets(key: str, value: float | None) -> bool | None:
    """Whether a figure meets its target (ratios: at least; costs: at most)."""
    target = TARGETS.get(key)
    if value is None or target is None:
        return None
    return value <= target if key.startswith("checks_") else value >= target
