"""How to reach a Temporal cluster: embedded dev server or an external one (TLS, API key).

The API key is a secret: it is never serialised (worker configs and load plans land in run
folders, which CI uploads as artifacts) and never put on a command line (visible to every
user of the host in `ps`). Child processes get it through the environment variable
`TEMPORAL_API_KEY`, which `from_json` reads back.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio.client import Client
from temporalio.service import RetryConfig, TLSConfig

API_KEY_ENV = "TEMPORAL_API_KEY"


@dataclass(frozen=True)
class TemporalConnection:
    address: str
    namespace: str = "default"
    tls_cert: str | None = None
    tls_key: str | None = None
    tls_ca: str | None = None
    api_key: str | None = None

    def __post_init__(self) -> None:
        # The connection travels to processes with another working directory (Locust runs
        # in its load folder; a copied load plan on another machine): certificate paths
        # must not depend on where this process was started.
        for name in ("tls_cert", "tls_key", "tls_ca"):
            value = getattr(self, name)
            if value:
                object.__setattr__(self, name, str(Path(value).expanduser().absolute()))

    def with_address(self, address: str) -> TemporalConnection:
        return TemporalConnection(address, self.namespace, self.tls_cert, self.tls_key,
                                  self.tls_ca, self.api_key)

    def to_json(self) -> dict[str, Any]:
        """Everything but the API key, which travels only through the environment."""
        data = asdict(self)
        del data["api_key"]
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TemporalConnection:
        data = {k: v for k, v in data.items() if k != "api_key"}
        return cls(**data, api_key=os.environ.get(API_KEY_ENV) or None)

    def export_secret(self) -> None:
        """Put the API key where every child process the harness starts inherits it (the
        environment, readable only by this user), instead of on their command lines."""
        if self.api_key:
            os.environ[API_KEY_ENV] = self.api_key

    def tls(self) -> TLSConfig | bool:
        if not (self.tls_cert or self.tls_ca):
            return bool(self.api_key)  # API keys need TLS; cloud endpoints have public certs
        return TLSConfig(
            server_root_ca_cert=Path(self.tls_ca).read_bytes() if self.tls_ca else None,
            client_cert=Path(self.tls_cert).read_bytes() if self.tls_cert else None,
            client_private_key=Path(self.tls_key).read_bytes() if self.tls_key else None,
        )

    async def connect(self, *, identity: str | None = None,
                      patient: bool = False, lazy: bool = False) -> Client:
        """Connect; `patient` retries calls for minutes, for clients that must ride out outages."""
        retry = RetryConfig(initial_interval_millis=100, max_interval_millis=2000,
                            max_elapsed_time_millis=300_000) if patient else None
        kwargs: dict[str, Any] = {}
        if identity:
            kwargs["identity"] = identity
        if retry:
            kwargs["retry_config"] = retry
        return await Client.connect(
            self.address, namespace=self.namespace, tls=self.tls(), api_key=self.api_key,
            connect_timeout=timedelta(seconds=10), lazy=lazy, **kwargs,
        )
