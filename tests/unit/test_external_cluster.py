"""External-cluster plumbing that needs no server: secrets stay out of files and argv,
scenarios a stack cannot run are skipped (not the suite), the services take a private CA."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from harness.errors import UnavailableOnStack, UsageError
from harness.report.schema import validate_results
from harness.scenario import parse_scenario
from harness.skips import refuse_if_nothing_runs, split_runnable, write_skipped
from harness.stack.connection import API_KEY_ENV, TemporalConnection
from harness.stack.stack import Stack, StackOptions
from harness.stack.worker_config import WorkerConfig

CANARY = "canary-0b8e-secret"


def test_api_key_is_never_serialised_and_comes_back_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conn = TemporalConnection("127.0.0.1:7233", "ns", tls_ca="ca.pem", api_key=CANARY)
    config = WorkerConfig(identity="w1", temporal=conn, task_queue="q", workloads={},
                          services_url="http://x", ready_file="r")
    path = config.write(tmp_path / "w1.json")
    assert CANARY not in path.read_text()
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    assert WorkerConfig.read(path).temporal.api_key is None
    monkeypatch.setenv(API_KEY_ENV, CANARY)
    back = WorkerConfig.read(path).temporal
    assert back == conn  # address, namespace, TLS files and the key from the environment


def test_export_secret_puts_the_key_in_the_environment_children_inherit(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # setenv first so the teardown restores the variable's absence: delenv of an absent
    # variable records nothing, and a key left behind would make every later worker of this
    # pytest process connect with TLS (the SDK's default when an API key is given).
    monkeypatch.setenv(API_KEY_ENV, "placeholder")
    monkeypatch.delenv(API_KEY_ENV)
    TemporalConnection("a:1").export_secret()
    import os

    assert API_KEY_ENV not in os.environ
    TemporalConnection("a:1", api_key=CANARY).export_secret()
    assert os.environ[API_KEY_ENV] == CANARY


def _external(tmp_path: Path, address: str = "127.0.0.1:7233") -> Stack:
    return Stack(StackOptions(state_dir=tmp_path / "s", temporal_address=address))


TINY = "name: tiny\nworkloads: [{name: order_saga, count: 1}]\n"
KILL = ("name: kill\nworkloads: [{name: order_saga, count: 1}]\n"
        "faults: [{type: server_restart, at: 1s}]\n")


def test_split_runnable_skips_only_what_the_stack_cannot_do(tmp_path: Path) -> None:
    tiny, kill = parse_scenario(TINY, "tiny.yaml"), parse_scenario(KILL, "kill.yaml")
    runnable, skipped = split_runnable([tiny, kill], _external(tmp_path))
    assert runnable == [tiny]
    assert [s.scenario.name for s in skipped] == ["kill"]
    assert "server_restart is unavailable against an external cluster" in skipped[0].reason
    # The embedded stack runs both.
    embedded = Stack(StackOptions(state_dir=tmp_path / "e"))
    assert split_runnable([tiny, kill], embedded) == ([tiny, kill], [])


def test_a_network_fault_on_a_remote_cluster_is_skipped_but_a_bad_fault_still_refused(
        tmp_path: Path) -> None:
    remote = _external(tmp_path, "temporal.example.com:7233")
    net = parse_scenario("name: net\nworkloads: [{name: order_saga, count: 1}]\nfaults: "
                         "[{type: network, link: temporal, toxic: partition, at: 1s, "
                         "duration: 1s}]\n", "net.yaml")
    assert split_runnable([net], remote)[1][0].scenario.name == "net"
    bad = parse_scenario("name: bad\nworkloads: [{name: order_saga, count: 1}]\nfaults: "
                         "[{type: network, link: services, toxic: partition, at: 1s}]\n",
                         "bad.yaml")
    with pytest.raises(UsageError, match="give a 'duration'") as err:
        split_runnable([bad], remote)
    assert not isinstance(err.value, UnavailableOnStack)


def test_nothing_runnable_is_bad_input_and_a_skip_has_results(tmp_path: Path) -> None:
    kill = parse_scenario(KILL, "kill.yaml")
    runnable, skipped = split_runnable([kill], _external(tmp_path))
    with pytest.raises(UnavailableOnStack, match="server_restart"):
        refuse_if_nothing_runs(runnable, skipped)
    refuse_if_nothing_runs([parse_scenario(TINY, "t")], skipped)  # something runs: fine
    run = write_skipped(tmp_path / "out", skipped[0])
    results = json.loads((run.path / "results.json").read_text())
    assert validate_results(results) == []
    assert results["status"] == "unknown" and results["exit_code"] == 3
    assert "server_restart" in results["skipped"]
    assert (run.path / "scenario.yaml").exists()


def test_services_take_a_private_ca_and_read_the_key_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from harness.services.__main__ import _BadInput, _parse, _target

    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    monkeypatch.setenv(API_KEY_ENV, CANARY)
    args = _parse(["--port", "0", "--db", "x", "--temporal-address", "127.0.0.1:1",
                   "--tls-ca", str(ca)])
    target = _target(args)
    assert target is not None and target.tls_ca == str(ca) and target.api_key == CANARY
    with pytest.raises(_BadInput, match="TLS file not found"):
        _target(argparse.Namespace(**{**vars(args), "tls_ca": str(tmp_path / "missing")}))
    with pytest.raises(SystemExit):  # no --api-key flag any more: it would show in ps
        _parse(["--port", "0", "--db", "x", "--api-key", CANARY])


def test_server_restart_runs_on_the_stacks_the_harness_owns_and_is_skipped_elsewhere(
        tmp_path: Path) -> None:
    kill = parse_scenario(KILL, "kill.yaml")
    cluster = Stack(StackOptions(state_dir=tmp_path / "c", cluster=True))
    assert split_runnable([kill], cluster) == ([kill], [])  # its services restart together
    runnable, skipped = split_runnable([kill], Stack(StackOptions(state_dir=tmp_path / "d")))
    assert runnable == [kill] and skipped == []
    external = Stack(StackOptions(state_dir=tmp_path / "e", temporal_address="127.0.0.1:7233"))
    runnable, skipped = split_runnable([kill], external)
    assert runnable == [] and "unavailable against an external cluster" in skipped[0].reason
