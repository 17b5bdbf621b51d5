"""`python -m harness.services`: run the reference services as an owned process.

The stack starts this, waits for the ready line on stdout, and stops it with SIGTERM.
Bad input exits 2 before anything is bound or written.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import socket
import sys
from pathlib import Path

from aiohttp import web

from harness.errors import EXIT_INFRA, EXIT_USAGE
from harness.services.app import make_app
from harness.services.ledger import Ledger
from harness.services.temporal_target import TemporalTarget
from harness.stack.connection import API_KEY_ENV


class _BadInput(Exception):
    """A usage error: printed as one line, exit code 2."""


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m harness.services", description="Reference external services + ledger."
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address only")
    parser.add_argument("--port", type=int, required=True, help="0 picks a free port")
    parser.add_argument("--db", required=True, help="SQLite ledger file")
    parser.add_argument("--temporal-address", help="HOST:PORT for approval callbacks")
    parser.add_argument("--namespace", default="default")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--tls-ca", help="root CA that signed the cluster's certificate")
    # No --api-key: a secret on a command line is visible to every user in `ps`.
    return parser.parse_args(argv)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _target(args: argparse.Namespace) -> TemporalTarget | None:
    api_key = os.environ.get(API_KEY_ENV) or None
    if args.temporal_address is None:
        if args.tls_cert or args.tls_key or args.tls_ca:
            raise _BadInput("--tls-cert/--tls-key/--tls-ca need --temporal-address")
        return None
    if bool(args.tls_cert) != bool(args.tls_key):
        raise _BadInput("--tls-cert and --tls-key must be given together")
    for path in (args.tls_cert, args.tls_key, args.tls_ca):
        if path and not Path(path).is_file():
            raise _BadInput(f"TLS file not found: {path}")
    return TemporalTarget(args.temporal_address, args.namespace, tls_cert=args.tls_cert,
                          tls_key=args.tls_key, tls_ca=args.tls_ca, api_key=api_key)


def _bind(host: str, port: int) -> socket.socket:
    address = "127.0.0.1" if host == "localhost" else host
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((address, port))
    except OSError as exc:
        sock.close()
        raise _BadInput(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


async def _serve(args: argparse.Namespace, target: TemporalTarget | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    # Bind before creating the ledger: a port in use must leave no file behind.
    sock = _bind(args.host, args.port)
    db = Path(args.db)
    if not db.parent.is_dir():
        sock.close()
        raise _BadInput(f"ledger folder does not exist: {db.parent}")
    ledger = Ledger(db)
    try:
        runner = web.AppRunner(make_app(ledger, target), access_log=None, shutdown_timeout=5.0)
        await runner.setup()
        try:
            await web.SockSite(runner, sock).start()
            port = sock.getsockname()[1]
            shown = f"[{args.host}]" if ":" in args.host else args.host
            print(f"services: listening on http://{shown}:{port}", flush=True)
            await stop.wait()
        finally:
            # Runs the app's cleanup, which records pending approval callbacks as cancelled.
            await runner.cleanup()
    finally:
        ledger.close()


def main(argv: list[str] | None = None) -> int:
    """Run until SIGTERM/SIGINT; 0 on a clean stop, 2 on bad input, 3 on a crash."""
    args = _parse(argv)
    try:
        if not _is_loopback(args.host):
            raise _BadInput(
                f"--host {args.host} is not a loopback address; test traffic must stay on "
                "loopback (use 127.0.0.1)"
            )
        asyncio.run(_serve(args, _target(args)))
    except _BadInput as exc:
        print(f"services: {exc}", file=sys.stderr, flush=True)
        return EXIT_USAGE
    except Exception as exc:
        print(f"services: failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return EXIT_INFRA
    return 0


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # The Temporal SDK can abort at interpreter exit after all work succeeded
    # (docs/temporal-facts.md).
    os._exit(code)
