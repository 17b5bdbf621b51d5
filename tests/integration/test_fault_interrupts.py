"""Ctrl-C during a partition heals before exiting; faults the stack cannot do are refused."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.stack.stack import Stack
from harness.stack.toxiproxy import Toxiproxy
from harness.stack.toxiproxy_server import ToxiproxyServer
from tests.integration.reaping import reaped

pytestmark = pytest.mark.integration

PARTITION = """
name: long-partition
deadline: 2m
workloads:
  - {name: approval, count: 2, params: {approve: 0, reject: 0, never: 1, timeout: 60s}}
faults:
  - {type: network, link: temporal, toxic: partition, at: 0s, duration: 60s}
  - {type: network, link: services, toxic: latency, attributes: {latency: 50}, at: 0s,
     duration: 60s}
"""


@pytest.fixture
def external_toxiproxy(tmp_path: Path) -> Iterator[Toxiproxy]:
    server = ToxiproxyServer(tmp_path / "toxiproxy.log")
    server.start()
    try:
        yield Toxiproxy(server.url)
    finally:
        server.stop()


def test_ctrl_c_during_partition_heals(tmp_path: Path, external_toxiproxy: Toxiproxy) -> None:
    scenario = tmp_path / "partition.yaml"
    scenario.write_text(PARTITION)
    out = tmp_path / "out"
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "run", str(scenario), "--out", str(out),
         "--toxiproxy-url", external_toxiproxy.url],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")})
    with reaped(proc):
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            journals = list(out.glob("*/journal.jsonl"))
            if journals and journals[0].read_text().count('"type": "inject"') >= 2:
                break
            time.sleep(0.1)
        proxies = external_toxiproxy.proxies()
        assert not proxies["temporal"].enabled  # the partition is in force
        assert proxies["services"].toxics
        proc.send_signal(signal.SIGINT)
        output, _ = proc.communicate(timeout=60)
        assert proc.returncode == 130, output
        assert "interrupted" in output and "healed" in output
        journal = [json.loads(line) for line in journals[0].read_text().splitlines()]
        heals = [e for e in journal if e.get("kind") == "fault" and e["type"] == "heal"]
        assert {h["fault_id"] for h in heals} == {"f1", "f2"}
        assert heals[0]["details"]["enabled"] == "temporal" or heals[1]["details"].get("enabled")
        verify = [e for e in journal if e.get("kind") == "nemesis" and e["type"] == "verify"]
        assert verify and verify[0]["toxiproxy_problems"] == []
        assert external_toxiproxy.problems() == []  # the shared server is left clean


def test_server_restart_refused_on_external_cluster(tmp_path: Path, stack: Stack) -> None:
    assert stack.direct is not None
    scenario = tmp_path / "restart.yaml"
    scenario.write_text("""
name: ext
workloads: [{name: approval, count: 1}]
faults: [{type: server_restart, at: 1s}]
""")
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(scenario), "--out", str(tmp_path / "o"),
         "--temporal-address", stack.direct.address],
        capture_output=True, text=True, timeout=120,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 2, result.stdout + result.stderr
    assert "server_restart is unavailable against an external cluster" in result.stderr
    assert not (tmp_path / "o").exists()  # nothing started, nothing written


def test_a_scenario_against_an_external_cluster_and_toxiproxy(
        tmp_path: Path, stack: Stack, external_toxiproxy: Toxiproxy) -> None:
    """--temporal-address and --toxiproxy-url: nothing of Temporal or toxiproxy is started,
    the run still injects network faults through the given toxiproxy, and cleans up."""
    assert stack.direct is not None
    scenario = tmp_path / "external.yaml"
    scenario.write_text("""
name: external
workloads: [{name: order_saga, count: 3}]
faults:
  - {type: network, link: services, toxic: latency, attributes: {latency: 100}, at: 0s,
     duration: 1s}
checks: [liveness, idempotency]
""")
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(scenario), "--out", str(tmp_path / "o"),
         "--temporal-address", stack.direct.address, "--toxiproxy-url", external_toxiproxy.url],
        capture_output=True, text=True, timeout=180,
        env={**os.environ, "HARNESS_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode == 0, result.stdout + result.stderr
    (meta,) = (tmp_path / "o").glob("*/meta.json")
    data = json.loads(meta.read_text())
    assert data["stack"]["temporal"] == stack.direct.address
    assert data["environment"]["temporal_server"] == "external"
    assert external_toxiproxy.problems() == []
    assert external_toxiproxy.proxies() == {}  # our proxies removed from a shared server
    assert not list((tmp_path / "o" / ".stack").rglob("temporal.sqlite"))  # none started
