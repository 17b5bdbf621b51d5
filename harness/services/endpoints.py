"""The catalog of mutating endpoints: what each accepts, when it refuses, what it answers.

Kept as data so the HTTP layer has one code path for every service: the idempotency
semantics the checks rely on cannot drift between endpoints.
"""

from __future__ import annotations

import hashlib
import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

_REQUIRED = object()


@dataclass(frozen=True)
class Field:
    """One body field: a type/range test, its wording for errors, and an optional default."""

    check: Callable[[Any], bool]
    expect: str
    default: Any = _REQUIRED


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    # bool is an int in Python, but true is not an amount.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


TEXT = Field(lambda v: isinstance(v, str) and v != "", "a non-empty string")
INT = Field(_is_int, "an integer")
POSITIVE_INT = Field(lambda v: _is_int(v) and v > 0, "an integer > 0")
NUMBER = Field(_is_number, "a finite number")
POSITIVE_NUMBER = Field(lambda v: _is_number(v) and v > 0, "a number > 0")
DECISION = Field(lambda v: v in ("approve", "reject", "never"), '"approve", "reject" or "never"')
DELAY = Field(lambda v: _is_number(v) and v >= 0, "a number of seconds >= 0")
SIGNAL = Field(TEXT.check, TEXT.expect, default="approval_decision")

# Sent with every mutating request: ref groups attempts of one logical step even when the
# key is missing, which is exactly the case the non-idempotent mutants produce.
COMMON: Mapping[str, Field] = {
    "key": Field(lambda v: v is None or (isinstance(v, str) and v != ""),
                 "a non-empty string or null", default=None),
    "ref": TEXT,
    "workflow_id": TEXT,
}


class Rejection(NamedTuple):
    """A business refusal: a definite answer that retrying will not change."""

    status: int
    error: str


class InvalidBody(ValueError):
    """The request body is not what the endpoint accepts (HTTP 400)."""


def _never_rejects(body: Mapping[str, Any]) -> Rejection | None:
    return None


def _id_response(name: str) -> Callable[[Mapping[str, Any], str], dict[str, Any]]:
    return lambda body, new_id: {name: new_id}


@dataclass(frozen=True)
class Endpoint:
    """POST /<service>/<op>: its fields, its business rule, and how it builds a response."""

    service: str
    op: str
    id_prefix: str
    fields: Mapping[str, Field]
    respond: Callable[[Mapping[str, Any], str], dict[str, Any]]
    reject: Callable[[Mapping[str, Any]], Rejection | None] = field(default=_never_rejects)
    # A compensation names the forward op it undoes. Sent with `for_ref` (the forward step's
    # ref), it is a no-op when that step never took effect: compensations are registered
    # before their step runs, so they may undo a step that was rejected or never ran.
    compensates: str | None = None

    @property
    def path(self) -> str:
        return f"/{self.service}/{self.op}"

    def validate(self, body: Any) -> dict[str, Any]:
        """The body with defaults filled in, or InvalidBody naming the first bad field."""
        if not isinstance(body, dict):
            raise InvalidBody("body must be a JSON object")
        clean = dict(body)
        for name, spec in {**COMMON, **self.fields}.items():
            if name not in body:
                if spec.default is _REQUIRED:
                    raise InvalidBody(f"missing field {name!r} ({spec.expect})")
                clean[name] = spec.default
            elif not spec.check(body[name]):
                raise InvalidBody(f"field {name!r} must be {spec.expect}, got {body[name]!r}")
        return clean

    def new_id(self, key: str | None) -> str:
        """Deterministic from the idempotency key, so replays answer the same id; else random."""
        if key is None:
            return f"{self.id_prefix}-{uuid.uuid4().hex[:12]}"
        digest = hashlib.sha256(f"{self.service}/{self.op}/{key}".encode()).hexdigest()
        return f"{self.id_prefix}-{digest[:12]}"


def _sold_out(body: Mapping[str, Any]) -> Rejection | None:
    return Rejection(409, "sold out") if body["sku"].startswith("SOLDOUT") else None


def _declined(body: Mapping[str, Any]) -> Rejection | None:
    return Rejection(402, "card declined") if body["card"] == "declined" else None


def _undeliverable(body: Mapping[str, Any]) -> Rejection | None:
    return Rejection(422, "undeliverable address") if body["address"] == "undeliverable" else None


_STOCK = {"order_id": TEXT, "sku": TEXT, "qty": POSITIVE_INT}

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint("inventory", "reserve", "rs", _STOCK, _id_response("reservation_id"), _sold_out),
    Endpoint("inventory", "release", "rl", _STOCK, _id_response("release_id"),
             compensates="reserve"),
    Endpoint(
        "payments", "charge", "ch",
        {"order_id": TEXT, "amount": POSITIVE_NUMBER, "card": TEXT},
        _id_response("charge_id"), _declined,
    ),
    Endpoint(
        "payments", "refund", "rf",
        {"order_id": TEXT, "amount": POSITIVE_NUMBER}, _id_response("refund_id"),
        compensates="charge",
    ),
    Endpoint(
        "shipping", "pack", "pk", {"order_id": TEXT, "item": INT}, _id_response("pack_id"),
    ),
    Endpoint(
        "shipping", "ship", "tr",
        {"order_id": TEXT, "address": TEXT}, _id_response("tracking"), _undeliverable,
    ),
    Endpoint(
        "notifications", "send", "nt",
        {"to": TEXT, "message": TEXT}, _id_response("message_id"),
    ),
    Endpoint(
        "accounts", "entry", "en",
        {"account_id": TEXT, "amount": NUMBER, "request_id": TEXT}, _id_response("entry_id"),
    ),
    Endpoint(
        "fanout", "item", "fi",
        {"parent_id": TEXT, "child": INT, "item": INT, "value": INT},
        lambda body, new_id: {"result": body["value"]},
    ),
    Endpoint(
        "approvals", "request", "ap",
        {"decision": DECISION, "delay": DELAY, "signal": SIGNAL}, _id_response("request_id"),
    ),
)
