"""The reference services over HTTP: one code path for every mutating endpoint.

Validate, dedupe by (service, op, key), apply the business rule, apply the effect. Between
reading the body and answering, a handler never awaits, so on one event loop the
find-then-apply is atomic and the ledger stays exact under concurrent retries.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from harness.services.approvals import CallbackScheduler
from harness.services.endpoints import ENDPOINTS, Endpoint, InvalidBody
from harness.services.ledger import Ledger
from harness.services.temporal_target import SignalSender, TemporalSignaller, TemporalTarget

LEDGER = web.AppKey("ledger", Ledger)
CALLBACKS = web.AppKey("callbacks", CallbackScheduler)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
AfterApply = Callable[[Mapping[str, Any]], None]


def make_app(
    ledger: Ledger,
    temporal: TemporalTarget | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    send_signal: SignalSender | None = None,
) -> web.Application:
    """Build the app; send_signal replaces the Temporal sender (tests), clock/sleep likewise."""
    if send_signal is None and temporal is not None:
        send_signal = TemporalSignaller(temporal)
    callbacks = CallbackScheduler(ledger, send_signal, clock=clock, sleep=sleep)

    app = web.Application()
    app[LEDGER] = ledger
    app[CALLBACKS] = callbacks
    app.router.add_get("/health", _health)
    app.router.add_get("/ledger", _snapshot)
    for endpoint in ENDPOINTS:
        after = _approval_callback(callbacks) if endpoint.service == "approvals" else None
        app.router.add_post(endpoint.path, _mutating_handler(endpoint, ledger, after))

    async def stop_callbacks(app: web.Application) -> None:
        await callbacks.close()

    app.on_cleanup.append(stop_callbacks)
    return app


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _snapshot(request: web.Request) -> web.Response:
    return web.json_response(request.app[LEDGER].snapshot())


def _approval_callback(callbacks: CallbackScheduler) -> AfterApply:
    """Schedule the approver's answer; only ever called for a newly applied request."""

    def after(body: Mapping[str, Any]) -> None:
        if body["decision"] != "never":
            callbacks.schedule(
                body["workflow_id"], body["key"], body["decision"], body["delay"], body["signal"]
            )

    return after


def _mutating_handler(endpoint: Endpoint, ledger: Ledger, after: AfterApply | None) -> Handler:
    service, op = endpoint.service, endpoint.op

    async def handle(request: web.Request) -> web.Response:
        raw = (await request.read()).decode("utf-8", errors="replace")
        # No await from here on: see the module docstring.
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body = raw
        try:
            clean = endpoint.validate(body)
        except InvalidBody as exc:
            fields = body if isinstance(body, dict) else {}
            ledger.record_attempt(
                service, op, _text(fields.get("key")), _text(fields.get("ref")),
                _text(fields.get("workflow_id")), "invalid", 400, body,
            )
            return web.json_response({"error": str(exc)}, status=400)

        key, ref, workflow_id = clean["key"], clean["ref"], clean["workflow_id"]
        if key is not None:
            stored = ledger.find_effect(service, op, key)
            if stored is not None:
                ledger.record_attempt(service, op, key, ref, workflow_id, "duplicate", 200, body)
                return web.json_response(stored)
        for_ref = clean.get("for_ref")
        if endpoint.compensates and isinstance(for_ref, str) and not ledger.has_effect_for_ref(
            service, endpoint.compensates, for_ref
        ):
            ledger.record_attempt(service, op, key, ref, workflow_id, "noop", 200, body)
            return web.json_response({"compensated": False})
        rejection = endpoint.reject(clean)
        if rejection is not None:
            ledger.record_attempt(
                service, op, key, ref, workflow_id, "rejected", rejection.status, body
            )
            return web.json_response({"error": rejection.error}, status=rejection.status)
        # A null key always applies: that is the non-idempotent behaviour mutants exercise.
        response = endpoint.respond(clean, endpoint.new_id(key))
        ledger.apply_effect(service, op, key, ref, workflow_id, body, response)
        if after is not None:
            after(clean)
        return web.json_response(response)

    return handle


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
