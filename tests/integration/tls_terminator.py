"""A private CA made by the test, and a TLS-terminating TCP relay signed by it.

The dev server speaks plaintext gRPC; put this relay in front of it and a client must trust
the test's CA (and nothing else) to reach Temporal, as on a self-hosted cluster with mTLS
or server TLS from a private CA. Certificates come from the real `openssl` command.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class TestCA:
    ca_cert: Path
    server_cert: Path
    server_key: Path


def make_ca(folder: Path) -> TestCA:
    """A CA and a server certificate for 127.0.0.1 and localhost, valid for a day."""
    folder.mkdir(parents=True, exist_ok=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = ["openssl", "req", *ec, "-x509", "-days", "1", "-subj", "/CN=harness test CA",
           "-addext", "basicConstraints=critical,CA:TRUE",
           "-addext", "keyUsage=critical,keyCertSign,cRLSign",
           "-keyout", str(folder / "ca.key"), "-out", str(folder / "ca.pem")]
    subprocess.run(run, check=True, capture_output=True, timeout=30)
    subprocess.run(["openssl", "req", *ec, "-subj", "/CN=127.0.0.1",
                    "-keyout", str(folder / "server.key"), "-out", str(folder / "server.csr")],
                   check=True, capture_output=True, timeout=30)
    (folder / "ext.cnf").write_text(
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n"
        "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n")
    subprocess.run(["openssl", "x509", "-req", "-in", str(folder / "server.csr"),
                    "-CA", str(folder / "ca.pem"), "-CAkey", str(folder / "ca.key"),
                    "-CAcreateserial", "-days", "1", "-extfile", str(folder / "ext.cnf"),
                    "-out", str(folder / "server.pem")],
                   check=True, capture_output=True, timeout=30)
    return TestCA(folder / "ca.pem", folder / "server.pem", folder / "server.key")


class TlsTerminator:
    """Accepts TLS (HTTP/2 ALPN) on a loopback port and relays plaintext to `upstream`."""

    def __init__(self, upstream: str, ca: TestCA) -> None:
        host, _, port = upstream.rpartition(":")
        self.upstream = (host, int(port))
        self.context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.context.load_cert_chain(ca.server_cert, ca.server_key)
        self.context.set_alpn_protocols(["h2"])
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.server: asyncio.Server | None = None
        self.port = 0

    def start(self) -> str:
        self.thread.start()
        future = asyncio.run_coroutine_threadsafe(self._listen(), self.loop)
        self.port = future.result(timeout=10)
        return f"127.0.0.1:{self.port}"

    async def _listen(self) -> int:
        self.server = await asyncio.start_server(self._relay, "127.0.0.1", 0, ssl=self.context)
        return int(self.server.sockets[0].getsockname()[1])

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.close()
            return

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(Exception):
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            with contextlib.suppress(Exception):
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def stop(self) -> None:
        async def close() -> None:
            if self.server is not None:
                self.server.close()
                if hasattr(self.server, "close_clients"):
                    self.server.close_clients()

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(close(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
