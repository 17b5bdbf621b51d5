"""The reference services and their ledger: exact idempotency, rejections, callbacks, client."""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import socket
import sqlite3
import subprocess
import sys
import urllib.request
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from harness.services.app import CALLBACKS, make_app
from harness.services.client import (
    BusinessRejection,
    ServiceError,
    ServicesClient,
    ServiceUnavailable,
)
from harness.services.ledger import Ledger

REPO = Path(__file__).resolve().parents[2]

Scenario = Callable[[TestClient, web.Application], Awaitable[Any]]


def run_app(tmp_path: Path, scenario: Scenario, **app_kwargs: Any) -> tuple[Any, dict[str, Any]]:
    """Serve a fresh app over a real SQLite file; return the scenario's result and the ledger."""

    async def main() -> Any:
        async with TestClient(TestServer(make_app(ledger, **app_kwargs))) as client:
            return await scenario(client, client.server.app)

    ledger = Ledger(tmp_path / "ledger.db", clock=itertools.count(1000).__next__)
    try:
        result = asyncio.run(main())
        return result, ledger.snapshot()
    finally:
        ledger.close()


def charge(key: str | None = "k-1", **extra: Any) -> dict[str, Any]:
    body = {"key": key, "ref": "order-1/charge", "workflow_id": "order-1",
            "order_id": "order-1", "amount": 12.5, "card": "visa"}
    return {**body, **extra}


async def post(client: TestClient, path: str, body: Any) -> tuple[int, Any]:
    data = body if isinstance(body, str) else json.dumps(body)
    async with client.post(path, data=data) as response:
        return response.status, await response.json()


def outcomes(snap: dict[str, Any]) -> list[str]:
    return [row["outcome"] for row in snap["attempts"]]


# --- idempotency -------------------------------------------------------------------------


def test_replay_with_same_key_returns_stored_response_and_records_duplicate(
    tmp_path: Path,
) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[tuple[int, Any]]:
        return [await post(client, "/payments/charge", charge()) for _ in range(3)]

    answers, snap = run_app(tmp_path, scenario)
    assert [status for status, _ in answers] == [200, 200, 200]
    assert answers[0][1] == answers[1][1] == answers[2][1]
    assert answers[0][1]["charge_id"].startswith("ch-")
    assert len(snap["effects"]) == 1
    assert outcomes(snap) == ["applied", "duplicate", "duplicate"]


def test_key_scope_is_service_and_op(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> None:
        await post(client, "/payments/charge", charge(key="same"))
        refund = {k: v for k, v in charge(key="same").items() if k != "card"}
        await post(client, "/payments/refund", refund)

    _, snap = run_app(tmp_path, scenario)
    keys = [(e["op"], e["key"]) for e in snap["effects"]]
    assert keys == [("charge", "same"), ("refund", "same")]


def test_null_or_missing_key_applies_every_time(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[Any]:
        without_key = charge()
        del without_key["key"]
        return [
            (await post(client, "/payments/charge", charge(key=None)))[1],
            (await post(client, "/payments/charge", charge(key=None)))[1],
            (await post(client, "/payments/charge", without_key))[1],
        ]

    answers, snap = run_app(tmp_path, scenario)
    assert len({a["charge_id"] for a in answers}) == 3
    assert len(snap["effects"]) == 3
    assert {e["ref"] for e in snap["effects"]} == {"order-1/charge"}
    assert outcomes(snap) == ["applied"] * 3


def test_ids_are_deterministic_from_key(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> Any:
        return (await post(client, "/payments/charge", charge(key="k-42")))[1]

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, _ = run_app(tmp_path / "a", scenario)
    second, _ = run_app(tmp_path / "b", scenario)
    assert first == second


def test_concurrent_retries_with_one_key_apply_once(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[Any]:
        async with ServicesClient(str(client.make_url(""))) as services:
            calls = [services.call("payments", "charge", charge(key="race")) for _ in range(40)]
            return await asyncio.gather(*calls)

    answers, snap = run_app(tmp_path, scenario)
    assert len({a["charge_id"] for a in answers}) == 1
    assert len(snap["effects"]) == 1
    assert sorted(outcomes(snap)) == ["applied"] + ["duplicate"] * 39


# --- rejections and validation -----------------------------------------------------------

REJECTIONS = [
    ("/inventory/reserve",
     {"order_id": "o", "sku": "SOLDOUT-1", "qty": 1}, 409, "sold out"),
    ("/payments/charge",
     {"order_id": "o", "amount": 5, "card": "declined"}, 402, "card declined"),
    ("/shipping/ship",
     {"order_id": "o", "address": "undeliverable"}, 422, "undeliverable address"),
]


@pytest.mark.parametrize(("path", "fields", "status", "error"), REJECTIONS)
def test_business_rejection_is_recorded_and_repeats_on_retry(
    tmp_path: Path, path: str, fields: dict[str, Any], status: int, error: str
) -> None:
    body = {"key": "k-r", "ref": "o/step", "workflow_id": "o", **fields}

    async def scenario(client: TestClient, app: web.Application) -> list[tuple[int, Any]]:
        return [await post(client, path, body) for _ in range(2)]

    answers, snap = run_app(tmp_path, scenario)
    assert answers == [(status, {"error": error})] * 2
    assert snap["effects"] == []
    assert outcomes(snap) == ["rejected", "rejected"]
    assert [row["status"] for row in snap["attempts"]] == [status, status]


INVALID = [
    ("missing ref", {k: v for k, v in charge().items() if k != "ref"}),
    ("missing workflow_id", {k: v for k, v in charge().items() if k != "workflow_id"}),
    ("amount zero", charge(amount=0)),
    ("amount bool", charge(amount=True)),
    ("amount text", charge(amount="12")),
    ("key number", charge(key=7)),
    ("key empty", charge(key="")),
    ("array body", [charge()]),
    ("not json", "{not json"),
]


@pytest.mark.parametrize(("label", "body"), INVALID, ids=[label for label, _ in INVALID])
def test_invalid_body_is_400_and_recorded_invalid(tmp_path: Path, label: str, body: Any) -> None:
    async def scenario(client: TestClient, app: web.Application) -> tuple[int, Any]:
        return await post(client, "/payments/charge", body)

    (status, answer), snap = run_app(tmp_path, scenario)
    assert status == 400
    assert "error" in answer
    assert snap["effects"] == []
    assert outcomes(snap) == ["invalid"]
    assert snap["attempts"][0]["body"] == body


def test_qty_must_be_positive_int(tmp_path: Path) -> None:
    base = {"key": None, "ref": "o/reserve", "workflow_id": "o", "order_id": "o", "sku": "A"}

    async def scenario(client: TestClient, app: web.Application) -> list[int]:
        bodies = [{**base, "qty": q} for q in (0, -1, 1.5, "2", True, 3)]
        return [(await post(client, "/inventory/reserve", b))[0] for b in bodies]

    statuses, _ = run_app(tmp_path, scenario)
    assert statuses == [400, 400, 400, 400, 400, 200]


# --- the other endpoints and the snapshot -------------------------------------------------


def test_every_endpoint_applies_and_snapshot_is_ordered_and_parsed(tmp_path: Path) -> None:
    common = {"key": None, "ref": "r", "workflow_id": "w"}
    calls = [
        ("/inventory/reserve", {"order_id": "o", "sku": "A", "qty": 2}, "reservation_id"),
        ("/inventory/release", {"order_id": "o", "sku": "A", "qty": 2}, "release_id"),
        ("/payments/charge", {"order_id": "o", "amount": 3, "card": "visa"}, "charge_id"),
        ("/payments/refund", {"order_id": "o", "amount": 3}, "refund_id"),
        ("/shipping/ship", {"order_id": "o", "address": "1 Main St"}, "tracking"),
        ("/notifications/send", {"to": "a@b", "message": "hi"}, "message_id"),
        ("/accounts/entry", {"account_id": "acc", "amount": -4.5, "request_id": "q"}, "entry_id"),
        ("/approvals/request", {"decision": "never", "delay": 0}, "request_id"),
    ]

    async def scenario(client: TestClient, app: web.Application) -> list[Any]:
        answers = [(await post(client, path, {**common, **f}))[1] for path, f, _ in calls]
        fanout = {**common, "parent_id": "p", "child": 1, "item": 2, "value": 7}
        answers.append((await post(client, "/fanout/item", fanout))[1])
        async with client.get("/ledger") as response:
            answers.append(await response.json())
        return answers

    answers, snap = run_app(tmp_path, scenario)
    over_http = answers.pop()
    assert over_http == json.loads(json.dumps(snap))
    for (_, _, id_field), answer in zip(calls, answers, strict=False):
        assert set(answer) == {id_field}
    assert answers[-1] == {"result": 7}
    effects = snap["effects"]
    assert [f"/{e['service']}/{e['op']}" for e in effects] == [p for p, _, _ in calls] + [
        "/fanout/item"
    ]
    assert [e["seq"] for e in effects] == sorted(e["seq"] for e in effects)
    assert all(isinstance(e["data"], dict) and isinstance(e["response"], dict) for e in effects)
    assert effects[6]["data"]["amount"] == -4.5
    times = [row["t"] for row in snap["attempts"]]
    assert times == sorted(times) and len(set(times)) == len(times)


def test_health(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> Any:
        async with client.get("/health") as response:
            return response.status, await response.json()

    answer, _ = run_app(tmp_path, scenario)
    assert answer == (200, {"ok": True})


def test_ledger_file_uses_wal(tmp_path: Path) -> None:
    Ledger(tmp_path / "l.db").close()
    with sqlite3.connect(tmp_path / "l.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_ledger_refuses_to_record_applied_without_effect(tmp_path: Path) -> None:
    ledger = Ledger(tmp_path / "l.db")
    try:
        with pytest.raises(ValueError):
            ledger.record_attempt("payments", "charge", "k", "r", "w", "applied", 200, {})
    finally:
        ledger.close()


# --- approvals ---------------------------------------------------------------------------


class FakeSender:
    """Records signals instead of sending them to Temporal; can be told to fail."""

    def __init__(self, fail: bool = False) -> None:
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.fail = fail

    async def __call__(self, workflow_id: str, signal_name: str, arg: dict[str, Any]) -> None:
        if self.fail:
            raise ConnectionError("temporal is down")
        self.sent.append((workflow_id, signal_name, arg))


def approval(decision: str, key: str | None = "appr-1", **extra: Any) -> dict[str, Any]:
    body = {"key": key, "ref": "order-1/approval", "workflow_id": "order-1",
            "decision": decision, "delay": 2.5}
    return {**body, **extra}


def approval_run(tmp_path: Path, bodies: list[dict[str, Any]], sender: FakeSender) -> Any:
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario(client: TestClient, app: web.Application) -> list[Any]:
        answers = [await post(client, "/approvals/request", b) for b in bodies]
        await app[CALLBACKS].wait_idle()
        return answers

    answers, snap = run_app(
        tmp_path, scenario, send_signal=sender, sleep=fake_sleep, clock=lambda: 1234.5
    )
    return answers, snap, slept


def test_duplicate_approval_request_schedules_one_callback(tmp_path: Path) -> None:
    sender = FakeSender()
    answers, snap, slept = approval_run(
        tmp_path, [approval("approve"), approval("approve")], sender
    )
    assert answers[0] == answers[1]
    assert outcomes(snap) == ["applied", "duplicate"]
    assert slept == [2.5]
    assert sender.sent == [(
        "order-1",
        "approval_decision",
        {"approved": True, "approver": "reference-approver", "request_key": "appr-1",
         "sent_at": 1234.5},
    )]
    [row] = snap["callbacks"]
    assert (row["workflow_id"], row["key"], row["decision"], row["outcome"], row["error"]) == (
        "order-1", "appr-1", "approve", "sent", None,
    )


def test_reject_decision_and_custom_signal_name(tmp_path: Path) -> None:
    sender = FakeSender()
    approval_run(tmp_path, [approval("reject", signal="decide")], sender)
    [(_, name, arg)] = sender.sent
    assert name == "decide" and arg["approved"] is False


def test_never_decision_schedules_nothing(tmp_path: Path) -> None:
    sender = FakeSender()
    _, snap, slept = approval_run(tmp_path, [approval("never")], sender)
    assert len(snap["effects"]) == 1
    assert sender.sent == [] and slept == [] and snap["callbacks"] == []


def test_failed_callback_is_recorded_as_error(tmp_path: Path) -> None:
    _, snap, _ = approval_run(tmp_path, [approval("approve")], FakeSender(fail=True))
    [row] = snap["callbacks"]
    assert row["outcome"] == "error"
    assert "temporal is down" in row["error"]


def test_callback_without_temporal_target_is_an_error_not_a_crash(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> None:
        await post(client, "/approvals/request", approval("approve", delay=0))
        await app[CALLBACKS].wait_idle()

    _, snap = run_app(tmp_path, scenario)
    assert snap["callbacks"][0]["outcome"] == "error"


def test_pending_callback_is_recorded_cancelled_on_shutdown(tmp_path: Path) -> None:
    sender = FakeSender()

    async def scenario(client: TestClient, app: web.Application) -> None:
        await post(client, "/approvals/request", approval("approve", delay=3600))

    _, snap = run_app(tmp_path, scenario, send_signal=sender)
    assert sender.sent == []
    assert [row["outcome"] for row in snap["callbacks"]] == ["cancelled"]


# --- the client --------------------------------------------------------------------------


def test_client_maps_statuses_to_exceptions(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> None:
        async with ServicesClient(str(client.make_url(""))) as services:
            assert await services.health() is True
            answer = await services.call("payments", "charge", charge())
            assert set(answer) == {"charge_id"}
            with pytest.raises(BusinessRejection) as rejected:
                await services.call("payments", "charge", charge(key="k-2", card="declined"))
            assert (rejected.value.status, rejected.value.error) == (402, "card declined")
            assert (rejected.value.service, rejected.value.op) == ("payments", "charge")
            with pytest.raises(ServiceError) as invalid:
                await services.call("payments", "charge", charge(amount=-1))
            assert invalid.value.status == 400 and "amount" in invalid.value.detail
            with pytest.raises(ServiceError) as unknown:
                await services.call("payments", "teleport", charge())
            assert unknown.value.status in (404, 405)
            snap = await services.ledger()
            assert outcomes(snap) == ["applied", "rejected", "invalid"]

    run_app(tmp_path, scenario)


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_client_unreachable_is_unavailable_and_not_applied() -> None:
    async def scenario() -> None:
        async with ServicesClient(f"http://127.0.0.1:{unused_port()}", timeout=2) as services:
            assert await services.health() is False
            with pytest.raises(ServiceUnavailable) as unavailable:
                await services.call("payments", "charge", charge())
            assert unavailable.value.maybe_applied is False

    asyncio.run(scenario())


def test_client_timeout_is_unavailable_and_maybe_applied() -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(5)
        return web.json_response({})

    async def scenario() -> None:
        app = web.Application()
        app.router.add_post("/payments/charge", slow)
        server = TestServer(app)
        await server.start_server()
        try:
            async with ServicesClient(str(server.make_url("")), timeout=0.2) as services:
                with pytest.raises(ServiceUnavailable) as unavailable:
                    await services.call("payments", "charge", charge())
                assert unavailable.value.maybe_applied is True
        finally:
            await server.close()

    asyncio.run(scenario())


# --- the process -------------------------------------------------------------------------


def start_services(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "harness.services", *args],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True,
    )


def stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.kill()
    process.communicate(timeout=10)


def test_process_serves_and_exits_cleanly_on_sigterm(tmp_path: Path) -> None:
    db = tmp_path / "ledger.db"
    process = start_services("--port", "0", "--db", str(db))
    try:
        line = process.stdout.readline() if process.stdout else ""
        assert line.startswith("services: listening on http://127.0.0.1:"), line
        url = line.split(" on ", 1)[1].strip()
        with urllib.request.urlopen(url + "/health", timeout=5) as response:
            assert json.load(response) == {"ok": True}
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        stop(process)
    assert db.exists()


@pytest.mark.parametrize("host", ["0.0.0.0", "10.1.2.3", "example.com"])
def test_process_refuses_non_loopback_host(tmp_path: Path, host: str) -> None:
    process = start_services("--host", host, "--port", "0", "--db", str(tmp_path / "l.db"))
    try:
        _, err = process.communicate(timeout=30)
    finally:
        stop(process)
    assert process.returncode == 2
    assert "loopback" in err
    assert not (tmp_path / "l.db").exists()


def test_process_port_in_use_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        process = start_services("--port", port, "--db", str(tmp_path / "l.db"))
        try:
            _, err = process.communicate(timeout=30)
        finally:
            stop(process)
    assert process.returncode == 2
    assert port in err
    assert not (tmp_path / "l.db").exists()
