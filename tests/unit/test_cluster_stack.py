"""The cluster stack's parts that need no server: ports, environment, schema steps, the
folder PostgreSQL must reach, preflight of the cluster faults, scenarios asking for it."""

from __future__ import annotations

import asyncio
import os
import pwd
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from harness.cli.options import with_scenario_stack
from harness.errors import MissingBinaryError, UnavailableOnStack, UsageError
from harness.faults.cluster import HistoryKill, HistoryKillFault
from harness.scenario import load_scenario, load_scenarios, parse_scenario
from harness.skips import split_runnable
from harness.stack.cluster.build import ClusterBinaries, find_cluster_binaries
from harness.stack.cluster.layout import HIGH, ClusterLayout
from harness.stack.cluster.postgres import _reachable_by
from harness.stack.cluster.schema import schema_steps
from harness.stack.stack import Stack, StackOptions

ROOT = Path(__file__).parents[2]
CLUSTER_SCENARIOS = ROOT / "scenarios" / "cluster"


def test_layout_ports_are_distinct_and_fit_the_membership_column() -> None:
    layout = ClusterLayout.draw(history_hosts=3, shards=32)
    ports = [p for h in layout.hosts for p in (h.grpc_port, h.membership_port, h.http_port)
             if p is not None] + [layout.postgres_port]
    assert len(ports) == len(set(ports)) == 2 * 6 + 1 + 1
    assert max(ports) <= HIGH == 32767
    assert [h.name for h in layout.history] == ["history-1", "history-2", "history-3"]
    env = layout.env(layout.history[2])
    assert env["HISTORY_GRPC_PORT"] == str(layout.history[2].grpc_port)
    assert env["FRONTEND_GRPC_PORT"] == str(layout.frontend.grpc_port)
    assert env["NUM_HISTORY_SHARDS"] == "32" and env["BIND_IP"] == "127.0.0.1"


def test_schema_steps_create_set_up_and_update_both_databases() -> None:
    binaries = ClusterBinaries(Path("s"), Path("t"), Path("/schema"), Path("p"), Path("i"),
                               Path("r"))
    steps = schema_steps(binaries)
    assert [s[:3] for s in steps] == [
        ["--db", "temporal", "create-database"], ["--db", "temporal", "setup-schema"],
        ["--db", "temporal", "update-schema"],
        ["--db", "temporal_visibility", "create-database"],
        ["--db", "temporal_visibility", "setup-schema"],
        ["--db", "temporal_visibility", "update-schema"]]
    assert steps[2][-1] == "/schema/temporal/versioned"
    assert steps[5][-1] == "/schema/visibility/versioned"


def test_a_folder_postgres_cannot_reach_is_named(tmp_path: Path) -> None:
    account = pwd.getpwnam("nobody")
    closed = tmp_path / "closed"
    closed.mkdir(mode=0o700)
    (closed / "inner").mkdir()
    assert _reachable_by(account, closed / "inner") in (closed, tmp_path,
                                                          *tmp_path.parents)
    opened = Path(os.path.sep, "tmp")
    assert _reachable_by(account, opened) is None


def test_missing_server_build_names_the_build_script(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_TEMPORAL_SERVER_BIN", str(tmp_path / "nope"))
    with pytest.raises(MissingBinaryError, match="build-temporal-cluster.sh"):
        find_cluster_binaries()


def test_cluster_and_an_external_address_do_not_mix(tmp_path: Path) -> None:
    stack = Stack(StackOptions(state_dir=tmp_path, cluster=True, temporal_address="a:1"))
    with pytest.raises(UsageError, match="cannot be combined with --temporal-address"):
        stack.preflight()


def _stack(tmp_path: Path, kind: str, hosts: int = 2) -> Stack:
    return Stack(StackOptions(state_dir=tmp_path, cluster=kind == "cluster",
                              temporal_address="127.0.0.1:7233" if kind == "external" else None,
                              history_hosts=hosts))


@pytest.mark.parametrize("fault", [
    "{type: history_kill, at: 1s}", "{type: service_restart, service: frontend, at: 1s}",
    "{type: db_restart, at: 1s}",
    "{type: network, link: database, toxic: partition, at: 1s, duration: 1s}"])
def test_cluster_faults_only_on_the_cluster_stack(tmp_path: Path, fault: str) -> None:
    scenario = parse_scenario(f"name: x\nworkloads: [{{name: order_saga, count: 1}}]\n"
                              f"faults: [{fault}]\n", "x.yaml")
    for kind in ("dev", "external"):
        with pytest.raises(UnavailableOnStack, match="cluster stack"):
            scenario.faults[0].preflight(_stack(tmp_path, kind))  # type: ignore[attr-defined]
        runnable, skipped = split_runnable([scenario], _stack(tmp_path, kind))
        assert runnable == [] and "cluster stack" in skipped[0].reason
    assert split_runnable([scenario], _stack(tmp_path, "cluster")) == ([scenario], [])


def test_history_kill_needs_two_hosts_and_an_existing_one(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="at least 2 history hosts"):
        HistoryKill(at=1.0).preflight(_stack(tmp_path, "cluster", hosts=1))
    with pytest.raises(UsageError, match="host 3 does not exist"):
        HistoryKill(at=1.0, host=3).preflight(_stack(tmp_path, "cluster"))


class FakeCluster:
    """The cluster's host methods, recording what the fault did."""

    def __init__(self) -> None:
        self.history_hosts = ["history-1", "history-2"]
        self.calls: list[tuple[str, str]] = []

    def kill_host(self, name: str) -> int:
        self.calls.append(("kill", name))
        return 4242

    async def start_host(self, name: str) -> int:
        self.calls.append(("start", name))
        return 4243


def test_history_kill_kills_the_seeded_host_and_restarts_it() -> None:
    cluster = FakeCluster()
    ctx: Any = SimpleNamespace(stack=SimpleNamespace(cluster=cluster))
    fault = HistoryKillFault("f1", HistoryKill(at=1.0, restart_after=0.01), choice=0.7)
    details = asyncio.run(fault.inject(ctx))
    assert details == {"target": "history-2", "pid": 4242} and fault.target == "history-2"
    assert asyncio.run(fault.heal(ctx)) == {"target": "history-2", "pid": 4243}
    assert asyncio.run(fault.heal(ctx)) == {}  # idempotent: healed once
    assert cluster.calls == [("kill", "history-2"), ("start", "history-2")]
    pinned = HistoryKillFault("f2", HistoryKill(at=1.0, host=1), choice=0.99)
    assert asyncio.run(pinned.inject(ctx))["target"] == "history-1"


def test_cluster_scenarios_ask_for_the_cluster_stack(tmp_path: Path) -> None:
    scenarios = load_scenarios([CLUSTER_SCENARIOS])
    assert len(scenarios) >= 6 and all(s.stack == "cluster" for s in scenarios)
    faults = {f.type for s in scenarios for f in s.faults}  # type: ignore[attr-defined]
    assert {"history_kill", "service_restart", "db_restart", "network"} <= faults
    options = with_scenario_stack(StackOptions(state_dir=tmp_path), scenarios)
    assert options.cluster
    external = with_scenario_stack(StackOptions(state_dir=tmp_path, temporal_address="a:1"),
                                   scenarios)
    assert not external.cluster
    smoke = load_scenario(ROOT / "scenarios" / "smoke.yaml")
    assert not with_scenario_stack(StackOptions(state_dir=tmp_path), [smoke]).cluster


def test_dev_server_only_faults_are_unavailable_on_the_cluster(tmp_path: Path) -> None:
    """rate_limit restarts the dev server with new dynamic config: not the cluster's way."""
    scenario = parse_scenario("name: x\nworkloads: [{name: order_saga, count: 1}]\nfaults: "
                              "[{type: rate_limit, namespace_rps: 5, at: 1s, duration: 2s}]\n",
                              "x.yaml")
    runnable, skipped = split_runnable([scenario], _stack(tmp_path, "cluster"))
    assert runnable == [] and "the cluster stack" in skipped[0].reason
    assert split_runnable([scenario], _stack(tmp_path, "dev")) == ([scenario], [])
