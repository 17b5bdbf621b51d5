"""The cluster stack: the real Temporal Server (one process per service) on a private
PostgreSQL, the smoke scenario and one scenario per cluster fault on it, and nothing left
running afterwards. Needs the server built (scripts/build-temporal-cluster.sh, which
`make test` runs)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from harness.runner import RunOutcome, run_scenario
from harness.scenario import load_scenario
from harness.stack.ownership import registry
from harness.stack.stack import Stack, StackOptions

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "scenarios" / "cluster"


def searchable_tmp() -> Path:
    """PostgreSQL runs as `postgres` when the tests run as root: pytest's own tmp folders
    (0700) are not reachable by it, so the cluster's state goes to a 0755 folder in /tmp."""
    path = Path(tempfile.mkdtemp(prefix="harness-cluster-test-"))
    path.chmod(0o755)
    return path


def alive(pids: set[int]) -> list[str]:
    out = []
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE:
                out.append(f"{pid} {' '.join(proc.cmdline())[:120]}")
        except psutil.NoSuchProcess:
            continue
    return out


@pytest.fixture(scope="module")
def cluster_stack() -> Iterator[tuple[Stack, Path]]:
    folder = searchable_tmp()
    stack = Stack(StackOptions(state_dir=folder / "stack", cluster=True))
    owned: dict[int, str] = {}
    # The session's own embedded stack (started by earlier tests of this process) is owned
    # by the same registry and stays up: only what this cluster stack started is judged.
    before = {p.pid for p in registry().owned() if p.pid is not None}
    try:
        asyncio.run(stack.up())
        yield stack, folder
        owned = {p.pid: p.name for p in registry().owned()
                 if p.pid is not None and p.alive() and p.pid not in before}
    finally:
        asyncio.run(stack.down())
        leftovers = alive(set(owned))
        shutil.rmtree(folder, ignore_errors=True)
    assert {"postgres", "temporal-frontend", "temporal-history-1", "temporal-history-2",
            "temporal-matching", "temporal-worker", "toxiproxy-server",
            "services"} <= set(owned.values())
    assert not leftovers, f"left running after the cluster stack went down: {leftovers}"


def run(stack: Stack, folder: Path, name: str) -> RunOutcome:
    scenario = load_scenario(SCENARIOS / name)
    return asyncio.run(run_scenario(scenario, stack, folder / "reports"))


def verdicts(outcome: RunOutcome) -> dict[str, str]:
    return {v.check: str(v.status) for v in outcome.verdicts}


def assert_all_pass(outcome: RunOutcome) -> None:
    bad = [f"{v.check}: {v.status}: {v.summary}" for v in outcome.verdicts
           if str(v.status) != "pass"]
    assert not bad, f"{outcome.run.path}: {bad}"


def recovered_per_fault(outcome: RunOutcome, fault: str) -> list[dict]:  # type: ignore[type-arg]
    rows = [r for r in outcome.results["recovery"]["per_fault"] if r["fault"] == fault]
    assert rows, f"no recovery measured for {fault}: {outcome.results['recovery']}"
    return rows


def test_cluster_smoke(cluster_stack: tuple[Stack, Path]) -> None:
    stack, folder = cluster_stack
    assert stack.cluster is not None and len(stack.cluster.history_hosts) == 2
    outcome = run(stack, folder, "smoke.yaml")
    assert_all_pass(outcome)
    assert outcome.results["stats"]["completed"] >= 17 - 4  # some sagas fail by design
    env = json.loads((outcome.run.path / "meta.json").read_text())["environment"]
    assert "1.32.2" in env["temporal_server"]


def test_history_kill_with_restart_every_workflow_completes(
        cluster_stack: tuple[Stack, Path]) -> None:
    stack, folder = cluster_stack
    outcome = run(stack, folder, "history-kill-mid-saga.yaml")
    assert_all_pass(outcome)
    executed = json.loads((outcome.run.path / "executed_schedule.json").read_text())
    assert executed[0]["target"].startswith("history-") and "healed_at" in executed[0]
    rows = recovered_per_fault(outcome, "history_kill")
    assert all(r["seconds"] is not None for r in rows)
    assert stack.cluster is not None and stack.cluster.alive()  # the host is back


def test_db_restart_every_workflow_completes(cluster_stack: tuple[Stack, Path]) -> None:
    stack, folder = cluster_stack
    outcome = run(stack, folder, "db-restart-during-approvals.yaml")
    assert_all_pass(outcome)
    rows = recovered_per_fault(outcome, "db_restart")
    assert all(r["seconds"] is not None for r in rows)


def test_frontend_restart(cluster_stack: tuple[Stack, Path]) -> None:
    stack, folder = cluster_stack
    outcome = run(stack, folder, "frontend-restart-entities.yaml")
    assert_all_pass(outcome)  # `faults` among them: the restart landed on running workflows
    assert "faults" in verdicts(outcome)


def test_server_restart_restarts_every_service_together(
        cluster_stack: tuple[Stack, Path]) -> None:
    """Defect: the frontend restarted alone spent ringpop's 30 s join limit on the killed
    processes' membership rows (48 s down); the drivers stopped waiting on UNAVAILABLE and
    every approval was judged not finished."""
    stack, _folder = cluster_stack
    scenario = load_scenario(REPO / "scenarios" / "faults" / "server-restart-during-approvals.yaml")
    outcome = asyncio.run(run_scenario(scenario, stack, _folder / "reports"))
    assert_all_pass(outcome)
    (restart,) = json.loads((outcome.run.path / "executed_schedule.json").read_text())
    assert restart["healed_at"] - restart["injected_at"] < 25  # was 48 s
    assert stack.cluster is not None and stack.cluster.alive()


def test_database_link_latency_and_partition(cluster_stack: tuple[Stack, Path]) -> None:
    stack, folder = cluster_stack
    outcome = run(stack, folder, "database-partition.yaml")
    assert_all_pass(outcome)
    assert len(recovered_per_fault(outcome, "network")) == 2
    assert stack.toxiproxy is not None and stack.toxiproxy.problems() == []


def test_fresh_namespace_as_an_external_cluster(cluster_stack: tuple[Stack, Path]) -> None:
    """What a self-hosting user does first: point the harness at the cluster, on a namespace
    without the run-id search attribute. It registers it and waits until it is usable."""
    stack, folder = cluster_stack
    assert stack.cluster is not None
    namespace = f"fresh-{int(time.time() * 1000) % 10**9}"
    from temporalio.api.workflowservice.v1 import RegisterNamespaceRequest
    from temporalio.client import Client

    async def create() -> None:
        client = await Client.connect(stack.cluster.address)  # type: ignore[union-attr]
        await client.workflow_service.register_namespace(RegisterNamespaceRequest(
            namespace=namespace, workflow_execution_retention_period={"seconds": 86400}))

    asyncio.run(create())
    scenario = folder / "tiny.yaml"
    scenario.write_text("name: tiny\nworkloads: [{name: order_saga, count: 3}]\n"
                        "checks: [liveness, idempotency]\n")
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(scenario), "--out",
         str(folder / "ext"), "--temporal-address", stack.cluster.address,
         "--namespace", namespace],
        capture_output=True, text=True, timeout=240,
        env={**os.environ, "HARNESS_STATE_DIR": str(folder / "ext-state")})
    assert result.returncode == 0, result.stdout + result.stderr


def test_stack_up_cluster_command_and_nothing_left_after_ctrl_c() -> None:
    """The README's `harness stack up --cluster`: it prints the addresses, and Ctrl-C stops
    every process it started (server, PostgreSQL, toxiproxy, services)."""
    import threading

    folder = searchable_tmp()
    # A relative state folder, as the README's command has by default (reports/.stack).
    proc = subprocess.Popen(
        [sys.executable, "-m", "harness.cli", "stack", "up", "--cluster", "--state-dir",
         "stack"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=folder,
        env={**os.environ, "HARNESS_STATE_DIR": str(folder / "state"), "COLUMNS": "200"})
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")),
                              daemon=True)  # type: ignore[union-attr]
    reader.start()
    children: set[int] = set()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if any("stack is up" in line for line in lines):
                break
            time.sleep(0.2)
        assert any("stack is up" in line for line in lines), "".join(lines)
        kids = psutil.Process(proc.pid).children(recursive=True)
        children = {k.pid for k in kids}
        cmdlines = " ".join(" ".join(k.cmdline()) for k in kids if k.is_running())
        for part in ("--service frontend", "--service history", "--service matching",
                     "--service worker", "postgres", "toxiproxy-server", "harness.services"):
            assert part in cmdlines, part
        assert cmdlines.count("--service history") == 2
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=60)
        reader.join(timeout=10)
        assert proc.returncode == 130, "".join(lines)
        assert "temporal_history-2" in "".join(lines)  # the address table
        assert alive(children) == []
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        assert alive(children) == []
        shutil.rmtree(folder, ignore_errors=True)


def test_start_up_errors_are_one_line_exit_2_and_start_nothing(tmp_path: Path) -> None:
    """A port in use, the server not built, a folder PostgreSQL cannot reach: one line each,
    exit 2, no process started."""
    import socket

    def stack_up(*extra: str, env: dict[str, str] | None = None,
                 state: Path | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "harness.cli", "stack", "up", "--cluster", "--state-dir",
             str(state or folder / "stack"), *extra], capture_output=True, text=True,
            timeout=60, env={**os.environ, "HARNESS_STATE_DIR": str(folder / "state"),
                             **(env or {})})

    folder = searchable_tmp()
    try:
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            port = taken.getsockname()[1]
            result = stack_up("--temporal-port", str(port))
        assert result.returncode == 2, result.stderr
        assert f"{port}" in result.stderr and "in use" in result.stderr
        result = stack_up(env={"HARNESS_TEMPORAL_SERVER_BIN": str(folder / "missing")})
        assert result.returncode == 2, result.stderr
        assert "build-temporal-cluster.sh" in result.stderr
        if os.geteuid() == 0:  # PostgreSQL then runs as `postgres`, who cannot enter 0700
            result = stack_up(state=tmp_path / "stack")
            assert result.returncode == 2, result.stderr
            assert "not searchable by user 'postgres'" in result.stderr
        for result_err in (result.stderr,):
            assert len([line for line in result_err.splitlines() if line.strip()]) == 1
        assert not (folder / "stack" / "cluster").exists()  # nothing was started
    finally:
        shutil.rmtree(folder, ignore_errors=True)
