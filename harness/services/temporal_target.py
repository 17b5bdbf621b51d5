"""Where approval callbacks go: a Temporal cluster, reached lazily.

The services must start (and serve every other endpoint) while Temporal is down or not yet
up, so the client connects on the first callback, and again after a failed connect.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from temporalio.client import Client

from harness.stack.connection import TemporalConnection

# (workflow_id, signal name, the one signal argument) -> delivered, or raises.
SignalSender = Callable[[str, str, dict[str, Any]], Awaitable[None]]


# One connection model for the whole harness (address, namespace, TLS, API key).
TemporalTarget = TemporalConnection


class TemporalSignaller:
    """A SignalSender over one Client, connected on first use and shared by all callbacks."""

    def __init__(self, target: TemporalTarget) -> None:
        self.target = target
        self._client: Client | None = None
        self._lock = asyncio.Lock()

    async def __call__(self, workflow_id: str, signal: str, arg: dict[str, Any]) -> None:
        client = await self._get_client()
        await client.get_workflow_handle(workflow_id).signal(signal, arg)

    async def _get_client(self) -> Client:
        # The lock stops concurrent first callbacks from opening several connections.
        async with self._lock:
            if self._client is None:
                self._client = await self.target.connect()
            return self._client
