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
from harness.services.degradation import BadDegradation, Degradation, Degradations
from harness.services.endpoints import ENDPOINTS, Endpoint, InvalidBody
from harness.services.ledger import Ledger
from harness.services.temporal_target import SignalSender, TemporalSignaller, TemporalTarget

LEDGER = web.AppKey("ledger", Ledger)
CALLBACKS = web.AppKey("callbacks", CallbackScheduler)
DEGRADATIONS = web.AppKey("degradations", Degradations)

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
    degradations = Degradations({endpoint.service for endpoint in ENDPOINTS})
    app[DEGRADATIONS] = degradations
    app.router.add_get("/health", _health)
    app.router.add_get("/ledger", _snapshot)
    app.router.add_get("/admin/degradations", _degradations)
    app.router.add_post("/admin/degrade", _degrade)
    app.router.add_post("/admin/heal", _heal)
    for endpoint in ENDPOINTS:
        after = _approval_callback(callbacks) if endpoint.service == "approvals" else None
        handler = _mutating_handler(endpoint, ledger, after, degradations)
        app.router.add_post(endpoint.path, _with_capacity(endpoint.service, degradations,
                                                          ledger, handler))

    async def stop_callbacks(app: web.Application) -> None:
        await callbacks.close()

    app.on_cleanup.append(stop_callbacks)
    return app


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _snapshot(request: web.Request) -> web.Response:
    return web.json_response(request.app[LEDGER].snapshot())


async def _degradations(request: web.Request) -> web.Response:
    active = request.app[DEGRADATIONS].active
    return web.json_response({name: d.to_json() for name, d in active.items()})


async def _degrade(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.read() or b"null")
        degradation = request.app[DEGRADATIONS].set(body)
    except (ValueError, BadDegradation) as exc:
        return web.json_response({"error": str(exc)}, status=400)
    return web.json_response(degradation.to_json())


async def _heal(request: web.Request) -> web.Response:
    try:
        body = json.loads(await request.read() or b"{}")
    except ValueError:
        body = {}
    service = body.get("service") if isinstance(body, dict) else None
    return web.json_response({"healed": request.app[DEGRADATIONS].heal(service)})


def _with_capacity(service: str, degradations: Degradations, ledger: Ledger,
                   handler: Handler) -> Handler:
    """The capacity mode: hold each request `latency` s, refuse with 429 beyond the limit."""

    async def handle(request: web.Request) -> web.StreamResponse:
        degradation = degradations.get(service)
        if degradation is None or degradation.mode != "capacity":
            return await handler(request)
        if degradation.in_flight >= degradation.max_concurrent:
            body = await _body(request)
            fields = body if isinstance(body, dict) else {}
            ledger.record_attempt(service, request.path.rsplit("/", 1)[-1],
                                  _text(fields.get("key")), _text(fields.get("ref")),
                                  _text(fields.get("workflow_id")), "degraded", 429, body)
            return web.json_response({"error": "over capacity"}, status=429)
        degradation.in_flight += 1
        try:
            await asyncio.sleep(degradation.latency)
            return await handler(request)
        finally:
            degradation.in_flight -= 1

    return handle


async def _body(request: web.Request) -> Any:
    raw = (await request.read()).decode("utf-8", errors="replace")
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def _refused(degradation: Degradation | None, ref: str | None) -> int | None:
    """The status a degraded service answers this request with, or None to serve it."""
    if degradation is None:
        return None
    if degradation.mode == "error_rate" and degradation.fails(ref):
        return degradation.status
    if degradation.mode == "read_only":
        return 503
    return None


def _approval_callback(callbacks: CallbackScheduler) -> AfterApply:
    """Schedule the approver's answer; only ever called for a newly applied request."""

    def after(body: Mapping[str, Any]) -> None:
        if body["decision"] != "never":
            callbacks.schedule(
                body["workflow_id"], body["key"], body["decision"], body["delay"], body["signal"]
            )

    return after


def _mutating_handler(endpoint: Endpoint, ledger: Ledger, after: AfterApply | None,
                      degradations: Degradations | None = None) -> Handler:
    service, op = endpoint.service, endpoint.op

    async def handle(request: web.Request) -> web.Response:
        body = await _body(request)
        # No await from here on: see the module docstring.
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
        stored = ledger.find_effect(service, op, key) if key is not None else None
        degradation = degradations.get(service) if degradations is not None else None
        # Read-only still serves reads: an applied request's stored answer.
        status = None if stored is not None and degradation is not None \
            and degradation.mode == "read_only" else _refused(degradation, ref)
        if status is not None:
            ledger.record_attempt(service, op, key, ref, workflow_id, "degraded", status, body)
            return web.json_response({"error": f"{service} degraded"}, status=status)
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
