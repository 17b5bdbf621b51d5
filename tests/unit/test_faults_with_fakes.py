"""Faults, the nemesis and the run driver against fakes of the FaultContext protocol.

No Temporal, no toxiproxy, no worker process: the fakes record what was asked of them, so
each fault's inject and heal, the nemesis' journaling and its heal-on-every-exit-path, and
the driver/nemesis pairing are checked in milliseconds.
"""

from __future__ import annotations

import asyncio
import functools
import json
import signal
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from harness.drive import drive_with_nemesis
from harness.faults.client import ClientRetry, ClientRetryFault
from harness.faults.context import FaultContext
from harness.faults.deploy import Deploy, DeployFault
from harness.faults.nemesis import Nemesis
from harness.faults.network import NetworkDisruption, NetworkDisruptionFault
from harness.faults.server import ServerRestart, ServerRestartFault
from harness.faults.worker import (
    RollingRestart,
    RollingRestartFault,
    WorkerKill,
    WorkerKillFault,
)
from harness.journal import Journal, read_journal
from harness.runfolder import RunFolder
from harness.workloads.client_faults import ClientFaults


@dataclass
class FakeConfig:
    workloads: dict[str, str]


@dataclass
class FakeSlot:
    index: int
    config: FakeConfig
    incarnation: int = 1

    @property
    def identity(self) -> str:
        return f"worker-{self.index}.{self.incarnation}"


class FakeWorkers:
    """The supervisor's side the faults use; every action is recorded in `calls`."""

    def __init__(self, count: int) -> None:
        self.slots = [FakeSlot(i + 1, FakeConfig({"order_saga": "v1"})) for i in range(count)]
        self.down: set[int] = set()
        self.starting: set[int] = set()  # alive, not ready yet
        self.calls: list[tuple[Any, ...]] = []

    def slot(self, index: int) -> FakeSlot:
        return self.slots[index - 1]

    def alive(self) -> list[int]:
        return [s.index for s in self.slots if s.index not in self.down]

    def serving(self) -> list[int]:
        return [i for i in self.alive() if i not in self.starting]

    def kill(self, index: int, sig: int = signal.SIGKILL, grace: float = 5.0) -> int | None:
        self.calls.append(("kill", index, signal.Signals(sig).name))
        self.down.add(index)
        return -sig

    async def restart(self, index: int, config: Any = None, timeout: float = 30.0) -> None:
        slot = self.slot(index)
        if config is not None:
            slot.config = config
        slot.incarnation += 1
        self.down.discard(index)
        self.calls.append(("restart", index, dict(slot.config.workloads)))

    def expect_down(self, index: int) -> None:
        self.calls.append(("expect_down", index))

    def restart_on_crash(self, index: int, delay: float | None) -> None:
        self.calls.append(("restart_on_crash", index, delay))

    async def watch(self, period: float = 0.1) -> None:
        await asyncio.Event().wait()


class FakeProxies:
    def __init__(self) -> None:
        self.toxics: dict[str, dict[str, Any]] = {}
        self.disabled: set[str] = set()

    def disable(self, name: str) -> None:
        self.disabled.add(name)

    def enable(self, name: str) -> None:
        self.disabled.discard(name)

    def add_toxic(self, proxy: str, kind: str, *, stream: str = "downstream",
                  toxicity: float = 1.0, attributes: dict[str, Any] | None = None,
                  name: str | None = None) -> str:
        key = name or f"{kind}_{stream}"
        self.toxics[key] = {"proxy": proxy, "kind": kind, "stream": stream,
                            "toxicity": toxicity, "attributes": attributes or {}}
        return key

    def remove_toxic(self, proxy: str, name: str) -> None:
        del self.toxics[name]

    def problems(self) -> list[str]:
        return [f"toxic {n}" for n in self.toxics] + [f"disabled {p}" for p in self.disabled]

    def heal(self) -> list[str]:
        self.toxics.clear()
        self.disabled.clear()
        return []


class FakeServer:
    def __init__(self) -> None:
        self.address = "127.0.0.1:7233"
        self.pid: int | None = 100
        self.dynamic_config: dict[str, str] = {}
        self.events: list[str] = []

    def kill(self) -> int | None:
        self.events.append("kill")
        self.pid = None
        return -9

    def stop(self, grace: float = 5.0) -> int | None:
        self.events.append("stop")
        return 0

    async def start(self, timeout: float = 30.0) -> None:
        self.events.append("start")
        self.pid = 101


@dataclass
class FakeTargets:
    toxiproxy: FakeProxies = field(default_factory=FakeProxies)
    temporal: FakeServer = field(default_factory=FakeServer)
    services_url: str = "http://127.0.0.1:1"


@dataclass
class FakeContext:
    run: RunFolder
    journal: Journal
    supervisor: FakeWorkers
    stack: FakeTargets = field(default_factory=FakeTargets)
    seed: int = 7
    run_id: str = "fake-run"
    client: Any = None
    client_faults: ClientFaults = field(default_factory=ClientFaults)
    started_ids: list[str] = field(default_factory=list)
    driving_started: float = 0.0


def synchronously(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """Run an async test on a fresh event loop (the suite has no asyncio plugin)."""
    @functools.wraps(test)
    def run(*args: Any, **kwargs: Any) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


@pytest.fixture
def ctx(tmp_path: Path) -> Iterator[FakeContext]:
    run = RunFolder(tmp_path / "run")
    run.path.mkdir()
    context = FakeContext(run, Journal(run.journal_path), FakeWorkers(3))
    yield context
    context.journal.close()


def journal(ctx: FakeContext) -> list[dict[str, Any]]:
    """The journal as written so far (RunFolder.journal is read once and kept)."""
    return list(read_journal(ctx.run.journal_path))


def journal_faults(ctx: FakeContext) -> list[tuple[str, str]]:
    return [(e["type"], e["fault"]) for e in journal(ctx) if e.get("kind") == "fault"]


def as_fault_context(ctx: FakeContext) -> FaultContext:
    return ctx  # type: ignore[return-value] - the fakes satisfy the protocol structurally


@synchronously
async def test_worker_kill_kills_the_chosen_worker_and_heal_restarts_it(
        ctx: FakeContext) -> None:
    fault = WorkerKillFault("f1", WorkerKill(signal="SIGTERM", workers="one", grace=1),
                            choice=0.5)
    details = await fault.inject(as_fault_context(ctx))
    assert details["slots"] == [2]  # the seeded draw 0.5 of three alive slots
    assert ("kill", 2, "SIGTERM") in ctx.supervisor.calls
    assert ctx.supervisor.alive() == [1, 3]
    assert (await fault.heal(as_fault_context(ctx)))["restarted"] == ["worker-2.2"]
    assert await fault.heal(as_fault_context(ctx)) == {}  # idempotent


@synchronously
async def test_worker_kill_draws_among_serving_workers_not_one_still_starting(
        ctx: FakeContext) -> None:
    """Defect: on a loaded cluster a seeded kill picked a worker restarted 2.5 s earlier by
    an aimed crash and not yet ready; it held no work, so the fault landed on nothing."""
    ctx.supervisor.starting = {2}
    fault = WorkerKillFault("f1", WorkerKill(workers="one"), choice=0.9)
    assert (await fault.inject(as_fault_context(ctx)))["slots"] == [3]  # 0.9 of [1, 3]
    ctx.supervisor.starting = {1, 2}
    fraction = WorkerKillFault("f2", WorkerKill(workers="fraction", fraction=0.5), choice=0.0)
    assert (await fraction.inject(as_fault_context(ctx)))["slots"] == [1]  # none serving
    ctx.supervisor.down.clear()
    everyone = WorkerKillFault("f3", WorkerKill(workers="all"), choice=0.0)
    assert (await everyone.inject(as_fault_context(ctx)))["slots"] == [1, 2, 3]


@synchronously
async def test_worker_kill_draws_among_workers_holding_work_first(ctx: FakeContext) -> None:
    """Defect: a nightly kill chose a worker that had served for half a second after a crash
    restart and held nothing: the fault landed on nothing."""
    workers = ctx.run.workers_dir
    workers.mkdir(parents=True, exist_ok=True)
    lines = [{"t": 1.0, "event": "started", "identity": "worker-3.1", "workflow_id": "w",
              "activity_id": "1", "attempt": 1},
             {"t": 1.0, "event": "started", "identity": "worker-1.1", "workflow_id": "w",
              "activity_id": "2", "attempt": 1},
             {"t": 1.5, "event": "completed", "identity": "worker-1.1", "workflow_id": "w",
              "activity_id": "2", "attempt": 1}]
    (workers / "worker-1.1.activities.jsonl").write_text(
        "".join(json.dumps(e) + "\n" for e in lines))
    fault = WorkerKillFault("f1", WorkerKill(workers="one"), choice=0.0)
    assert (await fault.inject(as_fault_context(ctx)))["slots"] == [3]  # the one in flight
    (workers / "worker-1.1.activities.jsonl").write_text("")
    ctx.supervisor.down.clear()
    idle = WorkerKillFault("f2", WorkerKill(workers="one"), choice=0.0)
    assert (await idle.inject(as_fault_context(ctx)))["slots"] == [1]  # none busy: the draw


@synchronously
async def test_rolling_restart_takes_a_worker_down_only_once_it_serves(
        ctx: FakeContext) -> None:
    """Defect: a second rolling pass (at 6 s) killed the worker the first pass was still
    starting (5 s to start on a loaded machine); the first pass failed to inject."""
    ctx.supervisor.starting = {1}  # the other pass restarted it; not ready yet
    fault = RollingRestartFault("f2", RollingRestart(interval=0))
    task = asyncio.create_task(fault.inject(as_fault_context(ctx)))
    await asyncio.sleep(0.3)
    assert not [c for c in ctx.supervisor.calls if c[0] == "kill"]  # still waiting
    ctx.supervisor.starting.clear()
    assert (await asyncio.wait_for(task, 5))["target"] == "worker-1.2,worker-2.2,worker-3.2"
    assert [c[1] for c in ctx.supervisor.calls if c[0] == "kill"] == [1, 2, 3]


@synchronously
async def test_worker_kill_without_restart_leaves_the_worker_down(ctx: FakeContext) -> None:
    fault = WorkerKillFault("f1", WorkerKill(workers="all", restart_after=None), choice=0.0)
    await fault.inject(as_fault_context(ctx))
    assert await fault.heal(as_fault_context(ctx)) == {}
    assert ctx.supervisor.alive() == []


@synchronously
async def test_network_toxic_on_both_streams_with_its_typed_attributes(
        ctx: FakeContext) -> None:
    spec = NetworkDisruption(link="services", toxic="latency", duration=1,
                             attributes={"latency": 250.0, "jitter": 10})
    fault = NetworkDisruptionFault("f2", spec)
    await fault.inject(as_fault_context(ctx))
    proxies = ctx.stack.toxiproxy
    assert sorted(t["stream"] for t in proxies.toxics.values()) == ["downstream", "upstream"]
    assert all(t["attributes"] == {"latency": 250, "jitter": 10}
               for t in proxies.toxics.values())
    assert proxies.problems()
    await fault.heal(as_fault_context(ctx))
    assert proxies.problems() == []


@synchronously
async def test_partition_disables_the_proxy_until_healed(ctx: FakeContext) -> None:
    fault = NetworkDisruptionFault(
        "f3", NetworkDisruption(link="temporal", toxic="partition", duration=1))
    await fault.inject(as_fault_context(ctx))
    assert ctx.stack.toxiproxy.disabled == {"temporal"}
    assert (await fault.heal(as_fault_context(ctx)))["enabled"] == "temporal"
    assert ctx.stack.toxiproxy.disabled == set()


@pytest.mark.parametrize(("attributes", "words"), [
    ({"latncy": 100}, "toxic latency has no attribute latncy (it accepts latency, jitter)"),
    ({"latency": -1}, "attribute latency must be a whole number >= 0"),
    ({"latency": True}, "attribute latency must be a whole number >= 0"),
    ({"latency": 1.5}, "attribute latency must be a whole number >= 0"),
])
def test_a_bad_toxic_attribute_is_refused_when_the_spec_is_built(
        attributes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words.replace("(", r"\(").replace(")", r"\)")):
        NetworkDisruption(link="services", toxic="latency", duration=1, attributes=attributes)


def test_a_partition_takes_no_attributes() -> None:
    with pytest.raises(ValidationError, match="a partition takes no attributes"):
        NetworkDisruption(link="services", toxic="partition", duration=1,
                          attributes={"latency": 1})


@synchronously
async def test_server_restart_kills_then_starts_the_server(ctx: FakeContext) -> None:
    fault = ServerRestartFault("f4", ServerRestart(down_for=0))
    assert (await fault.inject(as_fault_context(ctx)))["pid"] == 100
    assert (await fault.heal(as_fault_context(ctx)))["pid"] == 101
    assert ctx.stack.temporal.events == ["kill", "start"]
    assert await fault.heal(as_fault_context(ctx)) == {}


@synchronously
async def test_client_retry_arms_and_disarms_the_workloads_client_faults(
        ctx: FakeContext) -> None:
    fault = ClientRetryFault("f5", ClientRetry(ops=["start"], rate=1.0))
    await fault.inject(as_fault_context(ctx))
    assert ctx.client_faults.active and ctx.client_faults.seed == ctx.seed
    assert ctx.client_faults.lose("start", "wf-1")
    assert not ctx.client_faults.lose("signal", "wf-1")  # an op it was not armed for
    await fault.heal(as_fault_context(ctx))
    assert not ctx.client_faults.lose("start", "wf-1")


@synchronously
async def test_a_deploy_replaces_a_worker_still_starting_only_once_it_serves(
        ctx: FakeContext) -> None:
    """Defect: a drill's second deploy (fired by the first one's nondeterminism) killed the
    workers the first deploy was still starting; the first failed to inject."""
    ctx.supervisor.starting = {1, 3}
    fault = DeployFault("f2", Deploy(workload="order_saga", to="v2-patched"))
    task = asyncio.create_task(fault.inject(as_fault_context(ctx)))
    await asyncio.sleep(0.3)
    assert not [c for c in ctx.supervisor.calls if c[0] == "kill"]  # waits for 1 and 3
    ctx.supervisor.starting.clear()
    await asyncio.wait_for(task, 5)
    assert [c[1] for c in ctx.supervisor.calls if c[0] == "kill"] == [1, 2, 3]


@synchronously
async def test_rolling_deploy_restarts_every_worker_on_the_new_version(
        ctx: FakeContext) -> None:
    fault = DeployFault("f6", Deploy(workload="order_saga", to="v2-patched", mode="rolling",
                                     interval=0))
    for slot in ctx.supervisor.slots:  # the real configs are dataclasses: so are the fakes
        slot.config = replace(slot.config)
    details = await fault.inject(as_fault_context(ctx))
    restarts = [c for c in ctx.supervisor.calls if c[0] == "restart"]
    assert [c[1] for c in restarts] == [1, 2, 3]
    assert all(c[2] == {"order_saga": "v2-patched"} for c in restarts)
    assert details["from"] == {"order_saga": "v1"} and details["mode"] == "rolling"


@dataclass
class FakeScenario:
    faults: list[Any]
    deadline: float = 30.0


@synchronously
async def test_the_nemesis_journals_inject_and_heal_and_leaves_the_network_clean(
        ctx: FakeContext) -> None:
    ctx.driving_started = time.time()
    nemesis = Nemesis(FakeScenario([  # type: ignore[arg-type]
        NetworkDisruption(link="services", toxic="latency", at=0, duration=0.05,
                          attributes={"latency": 5})]), seed=1)
    task = asyncio.create_task(nemesis(as_fault_context(ctx)))
    deadline = asyncio.get_running_loop().time() + 5
    while ("heal", "network") not in journal_faults(ctx):
        assert asyncio.get_running_loop().time() < deadline, journal_faults(ctx)
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert journal_faults(ctx) == [("inject", "network"), ("heal", "network")]
    assert ctx.stack.toxiproxy.problems() == []
    verify = [e for e in journal(ctx) if e.get("type") == "verify"]
    assert verify and verify[0]["toxiproxy_problems"] == []
    executed = ctx.run.read_json("executed_schedule.json", [])
    assert [r["type"] for r in executed] == ["network"] and "healed_at" in executed[0]


@synchronously
async def test_the_nemesis_heals_an_armed_fault_when_the_run_ends(ctx: FakeContext) -> None:
    ctx.driving_started = time.time()
    nemesis = Nemesis(FakeScenario([ClientRetry(at=0, rate=1.0)]), seed=1)  # type: ignore[arg-type]
    task = asyncio.create_task(nemesis(as_fault_context(ctx)))
    deadline = asyncio.get_running_loop().time() + 5
    while not ctx.client_faults.active:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    task.cancel()  # the drivers are done: the run ends with the fault still armed
    with pytest.raises(asyncio.CancelledError):
        await task
    assert not ctx.client_faults.active
    assert journal_faults(ctx) == [("inject", "client_retry"), ("heal", "client_retry")]


@synchronously
async def test_a_fault_whose_inject_fails_is_journaled_and_never_healed(
        ctx: FakeContext) -> None:
    ctx.driving_started = time.time()
    ctx.stack.temporal = None  # type: ignore[assignment] - an external cluster
    nemesis = Nemesis(FakeScenario([ServerRestart(at=0)]), seed=1)  # type: ignore[arg-type]
    task = asyncio.create_task(nemesis(as_fault_context(ctx)))
    deadline = asyncio.get_running_loop().time() + 5
    while not journal_faults(ctx):
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    entries = [e for e in journal(ctx) if e.get("kind") == "fault"]
    assert [(e["type"], "error" in e) for e in entries] == [("inject", True)]


@synchronously
async def test_the_driver_runs_with_the_nemesis_beside_it_and_stops_it_after(
        ctx: FakeContext) -> None:
    seen: list[str] = []

    async def nemesis(run: Any) -> None:
        seen.append("nemesis started")
        try:
            await asyncio.Event().wait()
        finally:
            seen.append("nemesis stopped")

    async def driver(run: Any) -> bool:
        await asyncio.sleep(0.01)
        seen.append("driven")
        return True

    assert await drive_with_nemesis(ctx, driver, nemesis) is True  # type: ignore[arg-type]
    assert seen == ["nemesis started", "driven", "nemesis stopped"]
    assert ctx.driving_started > 0


@synchronously
async def test_the_nemesis_is_stopped_when_the_driver_crashes(ctx: FakeContext) -> None:
    stopped = asyncio.Event()

    async def nemesis(run: Any) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.set()

    async def driver(run: Any) -> bool:
        await asyncio.sleep(0)
        raise RuntimeError("driver bug")

    with pytest.raises(RuntimeError, match="driver bug"):
        await drive_with_nemesis(ctx, driver, nemesis)  # type: ignore[arg-type]
    assert stopped.is_set()
