"""Degraded reference services: an error rate (5xx), read-only (reads served, writes 503), a
capacity limit (429 beyond N in flight); every refusal in the ledger as `degraded`; healed
by the admin endpoint; bad admin requests are 400."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.unit.test_services import charge, post, run_app


def outcomes(ledger: dict[str, Any]) -> list[tuple[str, int]]:
    return [(a["outcome"], a["status"]) for a in ledger["attempts"]]


def test_an_error_rate_refuses_that_share_of_requests_and_heals(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[int]:
        assert (await post(client, "/admin/degrade", {
            "service": "payments", "mode": "error_rate", "error_rate": 0.5, "status": 502,
            "seed": 3}))[0] == 200
        statuses = [(await post(client, "/payments/charge", charge()))[0] for _ in range(40)]
        assert (await post(client, "/admin/heal", {"service": "payments"}))[1] == {
            "healed": ["payments"]}
        statuses.append((await post(client, "/payments/charge", charge()))[0])
        return statuses

    statuses, ledger = run_app(tmp_path, scenario)
    refused = statuses[:40].count(502)
    assert 10 <= refused <= 30 and statuses[-1] == 200
    assert sum(1 for o, s in outcomes(ledger) if o == "degraded" and s == 502) == refused
    assert len(ledger["effects"]) == 1  # retries after refusals applied the charge once


def test_read_only_serves_what_was_applied_and_refuses_writes(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[int]:
        first = (await post(client, "/payments/charge", charge("k-1")))[0]
        await post(client, "/admin/degrade", {"service": "payments", "mode": "read_only"})
        again = (await post(client, "/payments/charge", charge("k-1")))[0]
        other = charge("k-2", ref="order-2/charge", workflow_id="order-2")
        new = (await post(client, "/payments/charge", other))[0]
        return [first, again, new]

    statuses, ledger = run_app(tmp_path, scenario)
    assert statuses == [200, 200, 503]
    assert outcomes(ledger) == [("applied", 200), ("duplicate", 200), ("degraded", 503)]


def test_a_capacity_limit_answers_429_beyond_the_requests_in_flight(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[int]:
        await post(client, "/admin/degrade", {"service": "shipping", "mode": "capacity",
                                              "max_concurrent": 2, "latency": 0.3})
        bodies = [{"key": f"k-{i}", "ref": f"o-{i}/ship", "workflow_id": f"o-{i}",
                   "order_id": f"o-{i}", "address": "x"} for i in range(5)]
        answers = await asyncio.gather(*(post(client, "/shipping/ship", b) for b in bodies))
        return sorted(status for status, _ in answers)

    statuses, ledger = run_app(tmp_path, scenario)
    assert statuses == [200, 200, 429, 429, 429]
    assert sorted(outcomes(ledger)) == [("applied", 200)] * 2 + [("degraded", 429)] * 3


def test_a_bad_degradation_is_refused(tmp_path: Path) -> None:
    async def scenario(client: TestClient, app: web.Application) -> list[int]:
        return [(await post(client, "/admin/degrade", body))[0] for body in (
            {"service": "nowhere", "mode": "read_only"},
            {"service": "payments", "mode": "slow"},
            {"service": "payments", "mode": "error_rate", "error_rate": 2},
            {"service": "payments", "mode": "error_rate", "status": 404})]

    statuses, _ = run_app(tmp_path, scenario)
    assert statuses == [400, 400, 400, 400]
