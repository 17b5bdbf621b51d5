"""The services process signals a real Temporal workflow for an approval, exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from temporalio import workflow
from temporalio.client import Client
from temporalio.worker import UnsandboxedWorkflowRunner, Worker

from harness.services.client import ServicesClient

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
TEMPORAL = Path(sys.executable).parent / "temporal"


@workflow.defn
class AwaitApproval:
    """Waits for the approver's signal and returns its argument."""

    def __init__(self) -> None:
        self.decision: dict[str, Any] | None = None

    @workflow.run
    async def run(self) -> dict[str, Any]:
        await workflow.wait_condition(lambda: self.decision is not None)
        assert self.decision is not None
        return self.decision

    @workflow.signal
    def approval_decision(self, decision: dict[str, Any]) -> None:
        self.decision = decision


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def kill_group(process: subprocess.Popen[Any]) -> None:
    """Stop a process we started in its own session, and everything it started."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@pytest.fixture
def temporal_address(tmp_path: Path) -> Iterator[str]:
    if not TEMPORAL.exists():
        pytest.skip(f"temporal CLI not found at {TEMPORAL}")
    port = free_port()
    server = subprocess.Popen(
        [str(TEMPORAL), "server", "start-dev", "--headless", "--ip", "127.0.0.1",
         "--port", str(port), "--db-filename", str(tmp_path / "temporal.db"),
         "--log-level", "warn"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    try:
        yield f"127.0.0.1:{port}"
    finally:
        kill_group(server)


@pytest.fixture
def services_url(tmp_path: Path, temporal_address: str) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "harness.services", "--port", "0",
         "--db", str(tmp_path / "ledger.db"), "--temporal-address", temporal_address],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        start_new_session=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("services: listening on "), line
        yield line.split(" on ", 1)[1].strip()
    finally:
        kill_group(process)


async def connect(address: str) -> Client:
    for _ in range(100):
        try:
            return await Client.connect(address)
        except RuntimeError:
            await asyncio.sleep(0.2)
    raise RuntimeError(f"Temporal at {address} never answered")


def test_duplicate_approval_request_signals_once(temporal_address: str, services_url: str) -> None:
    async def scenario() -> tuple[dict[str, Any], dict[str, Any]]:
        client = await connect(temporal_address)
        queue, workflow_id = f"q-{uuid.uuid4().hex}", f"approval-{uuid.uuid4().hex}"
        async with (
            Worker(client, task_queue=queue, workflows=[AwaitApproval],
                   workflow_runner=UnsandboxedWorkflowRunner()),
            ServicesClient(services_url) as services,
        ):
            handle = await client.start_workflow(
                AwaitApproval.run, id=workflow_id, task_queue=queue,
                execution_timeout=timedelta(seconds=60),
            )
            body = {"key": f"{workflow_id}/approval", "ref": f"{workflow_id}/approval",
                    "workflow_id": workflow_id, "decision": "approve", "delay": 0.3}
            first = await services.call("approvals", "request", body)
            assert await services.call("approvals", "request", body) == first
            result = await asyncio.wait_for(handle.result(), timeout=30)
            await asyncio.sleep(1.0)  # room for a wrongly scheduled second callback
            return result, await services.ledger()

    result, ledger = asyncio.run(scenario())
    assert result["approved"] is True
    assert result["approver"] == "reference-approver"
    assert result["request_key"].endswith("/approval")
    assert [row["outcome"] for row in ledger["callbacks"]] == ["sent"]
