"""The real toxiproxy server, owned by the harness, injecting faults into real TCP traffic.

Why no skip when the binary is missing: network faults are half the product; a suite that
goes green without them is a false green. find_binary fails with the fix in its message.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from harness.errors import PortInUseError, StackError, UsageError
from harness.stack import ownership
from harness.stack.binaries import find_binary
from harness.stack.ownership import registry
from harness.stack.ports import free_port
from harness.stack.toxiproxy import Toxiproxy, ToxiproxyError
from harness.stack.toxiproxy_server import ToxiproxyServer

pytestmark = pytest.mark.integration


class _Echo(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        while data := self.request.recv(4096):
            self.request.sendall(data)


class _EchoServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("HARNESS_STATE_DIR", str(tmp_path / "state"))
    # A fresh registry: the session's shared stack (same pytest process) stays out of reach.
    monkeypatch.setattr(ownership, "_REGISTRY", None)
    yield tmp_path / "state"
    ownership.kill_all_owned()


@pytest.fixture
def echo_port() -> Iterator[int]:
    """A tiny local TCP echo server: the upstream the proxy sits in front of."""
    server = _EchoServer(("127.0.0.1", 0), _Echo)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.fixture
def server(state: Path, tmp_path: Path) -> Iterator[ToxiproxyServer]:
    toxiproxy = ToxiproxyServer(tmp_path / "toxiproxy.log", binary=find_binary("toxiproxy-server"))
    toxiproxy.start()
    yield toxiproxy
    toxiproxy.stop()


@pytest.fixture
def client(server: ToxiproxyServer) -> Iterator[Toxiproxy]:
    with server.client() as toxiproxy:
        yield toxiproxy


def round_trip(port: int, payload: bytes = b"ping\n", timeout: float = 10.0) -> float:
    """Send payload through a fresh connection, read it back; the seconds it took."""
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(payload)
        received = b""
        while len(received) < len(payload):
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"connection closed after {received!r}")
            received += chunk
    assert received == payload
    return time.monotonic() - started


def echo_fails(port: int) -> bool:
    try:
        round_trip(port, timeout=2.0)
    except OSError:
        return True
    return False


def test_faults_are_injected_updated_listed_and_healed(client: Toxiproxy, echo_port: int) -> None:
    proxy = client.create_proxy("echo", "127.0.0.1:0", f"127.0.0.1:{echo_port}")
    assert proxy.enabled and proxy.toxics == [] and proxy.listen_port > 0
    port = proxy.listen_port
    round_trip(port)
    assert client.problems() == []

    name = client.add_toxic("echo", "latency", attributes={"latency": 300})
    assert name == "latency_downstream"
    assert round_trip(port) >= 0.25
    (problem,) = client.problems()
    assert "echo" in problem and "latency_downstream" in problem and "latency=300" in problem

    updated = client.update_toxic("echo", name, {"latency": 600}, toxicity=1.0)
    assert updated["attributes"] == {"latency": 600, "jitter": 0}
    assert client.proxy("echo").toxics[0]["attributes"]["latency"] == 600
    assert round_trip(port) >= 0.55

    held = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        client.disable("echo")
        assert echo_fails(port), "a disabled proxy must refuse new connections"
        try:
            held.sendall(b"x")
            assert held.recv(1) == b"", "a disabled proxy must close open connections"
        except OSError:
            pass  # reset instead of a clean close: also a partition
    finally:
        held.close()
    problems = client.problems()
    assert any("disabled" in p for p in problems) and len(problems) == 2

    assert client.heal() == []
    assert client.problems() == []
    assert client.proxies()["echo"].listen_port == port
    assert round_trip(port) < 0.25


def test_create_replaces_a_proxy_of_the_same_name(client: Toxiproxy, echo_port: int) -> None:
    client.create_proxy("echo", "127.0.0.1:0", "127.0.0.1:9")
    client.add_toxic("echo", "timeout", attributes={"timeout": 0})
    proxy = client.create_proxy("echo", "127.0.0.1:0", f"127.0.0.1:{echo_port}")
    assert proxy.upstream == f"127.0.0.1:{echo_port}" and proxy.toxics == []
    assert list(client.proxies()) == ["echo"]
    round_trip(proxy.listen_port)


def test_disabled_at_creation_counts_as_a_problem(client: Toxiproxy, echo_port: int) -> None:
    client.create_proxy("cut", "127.0.0.1:0", f"127.0.0.1:{echo_port}", enabled=False)
    assert client.problems() == [f"proxy cut (127.0.0.1:0 -> 127.0.0.1:{echo_port}) is disabled"]
    assert client.enable("cut").enabled
    assert client.problems() == []


@pytest.mark.parametrize(
    ("listen", "upstream"),
    [
        ("127.0.0.1:0", "10.0.0.1:7233"),
        ("127.0.0.1:0", "temporal.example.com:7233"),
        ("0.0.0.0:0", "127.0.0.1:7233"),
        ("127.0.0.1:0", "127.0.0.1"),
    ],
)
def test_non_loopback_or_malformed_addresses_are_refused(
    client: Toxiproxy, listen: str, upstream: str
) -> None:
    with pytest.raises(UsageError):
        client.create_proxy("p", listen, upstream)
    assert client.proxies() == {}


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kind": "earthquake"},
        {"kind": "latency", "stream": "sideways"},
        {"kind": "latency", "toxicity": 1.5},
        {"kind": "latency", "attributes": {"latencyy": 100}},
        {"kind": "latency", "attributes": {"latency": -1}},
        {"kind": "bandwidth", "attributes": {"rate": "fast"}},
    ],
)
def test_bad_toxics_are_refused_before_reaching_the_server(
    client: Toxiproxy, echo_port: int, kwargs: dict
) -> None:
    client.create_proxy("echo", "127.0.0.1:0", f"127.0.0.1:{echo_port}")
    kind = kwargs.pop("kind")
    with pytest.raises(UsageError):
        client.add_toxic("echo", kind, **kwargs)
    assert client.problems() == []


def test_server_errors_surface_with_the_server_message(client: Toxiproxy, echo_port: int) -> None:
    client.create_proxy("echo", "127.0.0.1:0", f"127.0.0.1:{echo_port}")
    with pytest.raises(ToxiproxyError) as caught:
        client.remove_toxic("echo", "nonexistent")
    assert caught.value.status == 404
    assert caught.value.server_message == "toxic not found"
    assert "toxic not found" in str(caught.value)

    client.add_toxic("echo", "slicer", attributes={"average_size": 8, "delay": 1})
    with pytest.raises(ToxiproxyError) as caught:
        client.add_toxic("echo", "slicer", attributes={"average_size": 8})
    assert caught.value.status == 409

    with pytest.raises(ToxiproxyError) as caught:
        client.disable("no-such-proxy")
    assert caught.value.status == 404
    assert isinstance(caught.value, StackError)


def test_an_unreachable_server_is_an_error_not_a_hang() -> None:
    started = time.monotonic()
    with pytest.raises(ToxiproxyError, match="cannot reach"):
        Toxiproxy(f"http://127.0.0.1:{free_port()}", timeout=1.0).heal()
    assert time.monotonic() - started < 5


def test_version_and_url(server: ToxiproxyServer, client: Toxiproxy) -> None:
    assert server.url == f"http://127.0.0.1:{server.port}"
    assert client.version()


def test_stop_leaves_no_process(state: Path, tmp_path: Path) -> None:
    server = ToxiproxyServer(tmp_path / "tp.log", seed=42).start()
    pid = server.pid
    assert pid is not None and psutil.Process(pid).is_running()
    assert any(p.pid == pid for p in registry().owned())

    server.stop()

    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not any(p.pid == pid for p in registry().owned())
    assert "-seed" in server.process.argv


def test_explicit_port_in_use_is_a_usage_error(state: Path, tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        server = ToxiproxyServer(tmp_path / "tp.log")
        with pytest.raises(PortInUseError, match=f"port {port} on 127.0.0.1 \\(toxiproxy API\\)"):
            server.start(port=port)
    assert server.pid is None, "nothing started"


def _fake_binary(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "fake-toxiproxy"
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return path


def test_a_server_that_dies_at_start_names_its_log(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "tp.log"
    binary = _fake_binary(tmp_path, 'echo "listen: address already in use" >&2; exit 1')
    with pytest.raises(StackError) as caught:
        ToxiproxyServer(log, binary=binary).start()
    message = str(caught.value)
    assert str(log) in message and "address already in use" in message
    assert registry().owned() == []


def test_a_server_that_never_answers_times_out_naming_its_log(state: Path, tmp_path: Path) -> None:
    log = tmp_path / "tp.log"
    server = ToxiproxyServer(log, binary=_fake_binary(tmp_path, "exec sleep 300"))
    with pytest.raises(StackError, match="did not answer") as caught:
        server.start(timeout=0.5)
    assert str(log) in str(caught.value)
    assert server.process is not None
    pid = server.process.pid
    assert pid is not None
    with contextlib.suppress(psutil.NoSuchProcess):
        assert psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
