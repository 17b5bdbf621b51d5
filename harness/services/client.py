"""The client activities use to call the reference services.

It turns HTTP outcomes into three exceptions with different meanings for a workflow: a
business rejection is final (compensate), a service error is a bug or bad input, and an
unavailable service is transient (retry), possibly with the change already applied.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any

import aiohttp

REJECTION_STATUSES = frozenset({402, 409, 422})


class ServiceCallError(Exception):
    """Base of every failure of a call to the reference services."""


class BusinessRejection(ServiceCallError):
    """The service refused for a business reason (sold out, declined...): do not retry."""

    def __init__(self, service: str, op: str, status: int, error: str) -> None:
        super().__init__(f"{service}/{op} rejected ({status}): {error}")
        self.service, self.op, self.status, self.error = service, op, status, error


class ServiceError(ServiceCallError):
    """Any other non-200 answer (400 invalid body, 404, 500...)."""

    def __init__(self, service: str, op: str, status: int, detail: str) -> None:
        super().__init__(f"{service}/{op} failed ({status}): {detail}")
        self.service, self.op, self.status, self.detail = service, op, status, detail


class ServiceUnavailable(ServiceCallError):
    """No answer: refused, reset or timed out.

    maybe_applied is False only when the connection was never made; otherwise the request
    may have been applied, which is why every call carries an idempotency key.
    """

    def __init__(self, target: str, cause: BaseException, maybe_applied: bool) -> None:
        super().__init__(f"{target} unavailable: {type(cause).__name__}: {cause}")
        self.target, self.maybe_applied = target, maybe_applied


class ServicesClient:
    """Async client over one shared aiohttp session; safe for many concurrent coroutines."""

    def __init__(self, base_url: str, timeout: float = 5.0, max_connections: int = 100) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.max_connections = max_connections
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> ServicesClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        if self._session is not None:
            session, self._session = self._session, None
            await session.close()

    async def call(self, service: str, op: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST /service/op; the JSON answer on 200, else one of the exceptions above."""
        status, payload = await self._request("POST", f"/{service}/{op}", body)
        if status == 200 and isinstance(payload, dict):
            return payload
        error = payload.get("error") if isinstance(payload, dict) else None
        detail = str(error if error is not None else payload)
        if status in REJECTION_STATUSES:
            raise BusinessRejection(service, op, status, detail)
        raise ServiceError(service, op, status, detail)

    async def ledger(self) -> dict[str, Any]:
        """The full ledger snapshot (attempts, effects, callbacks)."""
        status, payload = await self._request("GET", "/ledger")
        if status != 200 or not isinstance(payload, dict):
            raise ServiceError("ledger", "snapshot", status, str(payload))
        return payload

    async def health(self) -> bool:
        """True when the services answer /health; never raises for an unreachable server."""
        try:
            status, payload = await self._request("GET", "/health")
        except ServiceUnavailable:
            return False
        return status == 200 and isinstance(payload, dict) and payload.get("ok") is True

    def _get_session(self) -> aiohttp.ClientSession:
        # Created on first use so the client can be built outside a running event loop.
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout),
                connector=aiohttp.TCPConnector(limit=self.max_connections),
            )
        return self._session

    async def _request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = self.base_url + path
        try:
            async with self._get_session().request(method, url, json=body) as response:
                text = await response.text()
                status = response.status
        except aiohttp.ClientConnectorError as exc:
            raise ServiceUnavailable(url, exc, maybe_applied=False) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise ServiceUnavailable(url, exc, maybe_applied=True) from exc
        try:
            return status, json.loads(text) if text else None
        except ValueError:
            return status, text
