"""The small toxiproxy client the fault code talks to (the server process it talks to is in
toxiproxy_server.py).

Network faults (latency, partitions, resets...) are toxiproxy proxies and toxics. Every
toxic is removed and every proxy re-enabled in a ``finally``, *and the harness verifies
it*: that is ``heal()``, which resets the server and returns what is still wrong (an empty
list means clean).

Why our own client around the PyPI package ``toxiproxy-python`` (0.1.1, kept as the declared
dependency):

* Used from it: the model classes ``toxiproxy.proxy.Proxy`` and ``toxiproxy.toxic.Toxic``,
  whose constructors read the server's JSON into objects (filling the toxic defaults the
  server also uses). They touch no network and work as they are.
* Not used: ``toxiproxy.Toxiproxy`` and every method that talks HTTP, because they all go
  through ``toxiproxy.api.APIConsumer``, which
  - holds the server address in class attributes: one server per Python process, so two
    stacks in one process (or two tests) would silently talk to each other's server;
  - sets no request timeout: a hung server would hang the harness, including the ``finally``
    that must heal the network;
  - passes every status other than 400/404/409 as success (a 500 is silently ignored);
  - has no toxic update (PATCH), discards the server's reply in ``Proxy.add_toxic``, uses the
    deprecated ``POST /proxies/{name}`` for enable/disable, and refuses (instead of replacing)
    a proxy that already exists.
  Our HTTP calls use ``requests`` (already a dependency of toxiproxy-python) with a timeout on
  every request, ``trust_env`` off (an HTTP_PROXY in the environment must not reroute calls to
  a loopback server), and every non-2xx answer raised as ``ToxiproxyError`` carrying the
  server's own ``{"error": ...}`` message.

Validation the server does not do, done here so a typo fails loudly instead of injecting a
no-op fault: unknown attribute names (the server drops them silently; the typed models in
toxics.py), toxicity outside [0, 1] (the server accepts it), and non-loopback listen or
upstream addresses (test traffic never leaves the machine).
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any
from urllib.parse import quote

import requests
from toxiproxy.proxy import Proxy as _LibProxy
from toxiproxy.toxic import Toxic as _LibToxic

from harness.errors import StackError, UsageError
from harness.stack.ports import require_loopback
from harness.stack.toxics import STREAMS, TOXICS, check_toxicity, toxic_attributes

log = logging.getLogger(__name__)


class ToxiproxyError(StackError):
    """The toxiproxy server refused a request, failed, or did not answer in time.

    ``status`` is the HTTP status (None when there was no answer) and ``server_message`` the
    server's own error text, so callers can tell "toxic not found" from an outage.
    """

    def __init__(
        self, message: str, *, status: int | None = None, server_message: str | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.server_message = server_message


@dataclass
class ProxyInfo:
    """One proxy as the server reports it."""

    name: str
    listen: str
    upstream: str
    enabled: bool
    toxics: list[dict[str, Any]] = field(default_factory=list)

    @property
    def listen_host(self) -> str:
        return split_host_port(self.listen, f"proxy {self.name} listen")[0]

    @property
    def listen_port(self) -> int:
        """The port clients connect to (the real one, also when created with port 0)."""
        return split_host_port(self.listen, f"proxy {self.name} listen")[1]


def split_host_port(address: str, what: str) -> tuple[str, int]:
    """Split "host:port" or "[v6]:port"; UsageError naming ``what`` when malformed."""
    host, sep, port_text = address.rpartition(":")
    if not sep or not host or not port_text.isdigit():
        raise UsageError(f"{what} {address!r} is not host:port")
    host = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    port = int(port_text)
    if port > 65535:
        raise UsageError(f"{what} {address!r} has an invalid port")
    return host, port


def _check_address(address: str, what: str, *, allow_port_zero: bool) -> None:
    host, port = split_host_port(address, what)
    require_loopback(host, what)
    if port == 0 and not allow_port_zero:
        raise UsageError(f"{what} {address!r} needs a real port, not 0")


def _check_attributes(kind: str, attributes: dict[str, Any]) -> dict[str, int]:
    try:
        return toxic_attributes(kind, attributes).to_request()
    except ValueError as err:
        raise UsageError(str(err)) from None


def _check_toxicity(toxicity: float) -> float:
    try:
        return check_toxicity(toxicity)
    except ValueError as err:
        raise UsageError(str(err)) from None


def _toxic_dict(data: dict[str, Any]) -> dict[str, Any]:
    toxic = _LibToxic(**data)
    return {
        "name": toxic.name,
        "type": toxic.type,
        "stream": toxic.stream,
        "toxicity": toxic.toxicity,
        "attributes": dict(toxic.attributes),
    }


def _proxy_info(data: Any) -> ProxyInfo:
    try:
        proxy = _LibProxy(**data)
        toxics = [_toxic_dict(t) for t in data.get("toxics") or []]
    except (KeyError, TypeError) as exc:
        raise ToxiproxyError(f"unexpected proxy description from toxiproxy: {data!r}") from exc
    return ProxyInfo(
        name=proxy.name,
        listen=proxy.listen,
        upstream=proxy.upstream,
        enabled=bool(proxy.enabled),
        toxics=toxics,
    )


def _describe_toxic(proxy: str, toxic: dict[str, Any]) -> str:
    attrs = " ".join(f"{k}={v}" for k, v in sorted(toxic["attributes"].items()))
    return (
        f"proxy {proxy}: toxic {toxic['name']} ({toxic['type']}, {toxic['stream']}, "
        f"toxicity {toxic['toxicity']:g}{', ' + attrs if attrs else ''}) is still active"
    )


class Toxiproxy:
    """A client for one toxiproxy server; every request has a timeout and checked status."""

    def __init__(self, url: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._session = requests.Session()
        self._session.trust_env = False

    def __repr__(self) -> str:
        return f"Toxiproxy({self.url!r})"

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Toxiproxy:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- transport

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """Send one request; the decoded JSON reply (None when empty), or ToxiproxyError."""
        where = f"toxiproxy {method} {self.url}{path}"
        try:
            response = self._session.request(
                method, self.url + path, json=body, timeout=self.timeout
            )
        except requests.Timeout as exc:
            raise ToxiproxyError(f"{where}: no answer within {self.timeout:g}s") from exc
        except requests.RequestException as exc:
            raise ToxiproxyError(f"{where}: cannot reach the server ({exc})") from exc
        if not 200 <= response.status_code < 300:
            message = response.text.strip()[:500]
            with contextlib.suppress(ValueError, KeyError, TypeError):
                message = str(response.json()["error"])
            raise ToxiproxyError(
                f"{where}: HTTP {response.status_code}: {message}",
                status=response.status_code,
                server_message=message,
            )
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            # /version answered plain text before toxiproxy 2.6.
            return response.text

    @staticmethod
    def _path(*parts: str) -> str:
        return "/" + "/".join(quote(part, safe="") for part in parts)

    # -- server

    def version(self) -> str:
        """The server's version string (JSON since 2.6, plain text before)."""
        data = self._request("GET", "/version")
        if isinstance(data, dict):
            return str(data.get("version", data))
        return str(data).strip()

    def reset(self) -> None:
        """POST /reset: re-enable every proxy and remove every toxic."""
        self._request("POST", "/reset")

    # -- proxies

    def create_proxy(
        self, name: str, listen: str, upstream: str, enabled: bool = True
    ) -> ProxyInfo:
        """Create proxy ``name`` (replacing one of that name); ``listen`` may use port 0.

        Replacing rather than refusing keeps a rerun after a crash simple: the proxy the dead
        run left behind is simply redefined.
        """
        if not name or "/" in name:
            raise UsageError(f"proxy name {name!r} must be non-empty and contain no '/'")
        _check_address(listen, f"toxiproxy listen address of proxy {name}", allow_port_zero=True)
        _check_address(upstream, f"toxiproxy upstream of proxy {name}", allow_port_zero=False)
        body = {"name": name, "listen": listen, "upstream": upstream, "enabled": enabled}
        try:
            data = self._request("POST", "/proxies", body)
        except ToxiproxyError as exc:
            if exc.status != 409:
                raise
            self.delete_proxy(name)
            data = self._request("POST", "/proxies", body)
        return _proxy_info(data)

    def delete_proxy(self, name: str) -> None:
        self._request("DELETE", self._path("proxies", name))

    def proxy(self, name: str) -> ProxyInfo:
        return _proxy_info(self._request("GET", self._path("proxies", name)))

    def proxies(self) -> dict[str, ProxyInfo]:
        data = self._request("GET", "/proxies") or {}
        return {name: _proxy_info(values) for name, values in data.items()}

    def enable(self, name: str) -> ProxyInfo:
        """Start listening again (heal a partition)."""
        return _proxy_info(self._request("PATCH", self._path("proxies", name), {"enabled": True}))

    def disable(self, name: str) -> ProxyInfo:
        """A clean partition: close every connection through the proxy and stop listening."""
        return _proxy_info(self._request("PATCH", self._path("proxies", name), {"enabled": False}))

    # -- toxics

    def add_toxic(
        self,
        proxy: str,
        kind: str,
        *,
        stream: str = "downstream",
        toxicity: float = 1.0,
        attributes: dict[str, Any] | None = None,
        name: str | None = None,
    ) -> str:
        """Add a toxic; returns its name (default ``<kind>_<stream>``, as toxiproxy names it).

        ``stream`` is the direction it affects: upstream = client to server, downstream =
        server to client. Toxicity is drawn once per connection by the server, not per request.
        """
        if kind not in TOXICS:
            raise UsageError(f"unknown toxic kind {kind!r} (known: {', '.join(sorted(TOXICS))})")
        if stream not in STREAMS:
            raise UsageError(f"toxic stream must be upstream or downstream, not {stream!r}")
        body = {
            "name": name or f"{kind}_{stream}",
            "type": kind,
            "stream": stream,
            "toxicity": _check_toxicity(toxicity),
            "attributes": _check_attributes(kind, attributes or {}),
        }
        data = self._request("POST", self._path("proxies", proxy, "toxics"), body)
        return str(data["name"]) if isinstance(data, dict) and "name" in data else body["name"]

    def toxics(self, proxy: str) -> list[dict[str, Any]]:
        data = self._request("GET", self._path("proxies", proxy, "toxics")) or []
        return [_toxic_dict(t) for t in data]

    def update_toxic(
        self,
        proxy: str,
        name: str,
        attributes: dict[str, Any],
        *,
        toxicity: float | None = None,
    ) -> dict[str, Any]:
        """Change attributes (merged into the current ones) and optionally toxicity."""
        path = self._path("proxies", proxy, "toxics", name)
        current = _toxic_dict(self._request("GET", path))
        body: dict[str, Any] = {"attributes": _check_attributes(current["type"], attributes)}
        if toxicity is not None:
            body["toxicity"] = _check_toxicity(toxicity)
        return _toxic_dict(self._request("PATCH", path, body))

    def remove_toxic(self, proxy: str, name: str) -> None:
        self._request("DELETE", self._path("proxies", proxy, "toxics", name))

    # -- verification

    def problems(self) -> list[str]:
        """Everything that is not clean: each disabled proxy and each remaining toxic."""
        found = []
        for name, info in sorted(self.proxies().items()):
            if not info.enabled:
                found.append(f"proxy {name} ({info.listen} -> {info.upstream}) is disabled")
            found.extend(_describe_toxic(name, toxic) for toxic in info.toxics)
        return found

    def heal(self) -> list[str]:
        """Reset the server, then return what is still wrong; the caller asserts it is empty."""
        self.reset()
        remaining = self.problems()
        if remaining:
            log.error("toxiproxy still unhealthy after reset: %s", remaining)
        return remaining
