"""Ports and addresses the harness listens on or sends test traffic to.

Why this module exists: a port that is already taken must be reported before anything starts
(one clear message, exit code 2, nothing started), and fault-injection
traffic must never leave the machine, so every address the harness proxies to or listens on is
checked to be loopback first.
"""

from __future__ import annotations

import ipaddress
import socket
import time

from harness.errors import PortInUseError, UsageError

_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain", "ip6-localhost"})


def is_loopback(host: str) -> bool:
    """True when ``host`` is a loopback literal (127.0.0.0/8, ::1) or the name localhost.

    Other host names are refused without resolving them: a name's meaning depends on DNS and
    /etc/hosts, and a check that can be talked out of its answer is not a guard.
    """
    name = host.strip().strip("[]").lower()
    if name in _LOOPBACK_NAMES:
        return True
    try:
        addr = ipaddress.ip_address(name)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        return addr.ipv4_mapped.is_loopback
    return addr.is_loopback


def require_loopback(host: str, what: str) -> None:
    """Raise UsageError unless ``host`` is a loopback address.

    ``what`` names the setting in the message (for example "toxiproxy upstream"), so the user
    knows which value to change.
    """
    if not is_loopback(host):
        raise UsageError(
            f"{what} host {host!r} is not a loopback address; test traffic must stay on this "
            "machine (use 127.0.0.1, another 127.x.y.z, ::1 or localhost)"
        )


def _family(host: str) -> int:
    """The socket family for a host literal or name (IPv6 when it parses as IPv6)."""
    try:
        addr = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return socket.AF_INET
    return socket.AF_INET6 if isinstance(addr, ipaddress.IPv6Address) else socket.AF_INET


def _bind_host(host: str) -> str:
    """localhost resolves differently per machine; bind the IPv4 loopback the servers use."""
    name = host.strip("[]")
    return "127.0.0.1" if name.lower() in _LOOPBACK_NAMES else name


def free_port(host: str = "127.0.0.1") -> int:
    """A port the kernel says is free right now on ``host``.

    There is an unavoidable race between this answer and the server binding it; callers that
    start a server on it should treat a bind failure as "try another port", not as a user error.
    """
    bind_host = _bind_host(host)
    with socket.socket(_family(bind_host), socket.SOCK_STREAM) as sock:
        sock.bind((bind_host, 0))
        return int(sock.getsockname()[1])


def ensure_port_free(host: str, port: int, what: str) -> None:
    """Raise PortInUseError when ``port`` on ``host`` cannot be bound.

    SO_REUSEADDR is set, as the Go servers we start (Temporal, toxiproxy) do, so a port that
    only has connections lingering in TIME_WAIT counts as free and a listening socket does not.
    """
    if not 0 < port < 65536:
        raise UsageError(f"port {port} for {what} is not a valid TCP port (1-65535)")
    bind_host = _bind_host(host)
    with socket.socket(_family(bind_host), socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((bind_host, port))
        except OSError as exc:
            raise PortInUseError(f"port {port} on {host} ({what}) is already in use") from exc


def wait_for_port(host: str, port: int, timeout: float) -> bool:
    """Poll until something accepts TCP connections on host:port; False after ``timeout``."""
    deadline = time.monotonic() + timeout
    connect_host = _bind_host(host)
    while True:
        try:
            with socket.create_connection((connect_host, port), timeout=0.5):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.05)
