"""A private PostgreSQL for one cluster: its own data folder, loopback only, its own port.

PostgreSQL refuses to run as root, so when the harness is root the server and `initdb` run
as the `postgres` user (setpriv, which execs: the postmaster is the owned process itself,
so signals reach it directly). Its folder must then be reachable by that user. The
superuser `temporal` gets a random password per cluster, which travels by a 0600 file to
initdb and by the environment to everything else, never on a command line.
"""

from __future__ import annotations

import asyncio
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import time
from pathlib import Path

from harness.errors import StackError, UsageError
from harness.stack.cluster.build import ClusterBinaries
from harness.stack.processes import OwnedProcess

OS_USER = "postgres"  # who runs PostgreSQL when the harness is root
DB_USER = "temporal"


def _os_user() -> pwd.struct_passwd | None:
    """The account PostgreSQL runs as: None means the harness's own (not root)."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(OS_USER)
    except KeyError:
        raise UsageError(f"the harness runs as root and PostgreSQL refuses to: a user "
                         f"{OS_USER!r} to run it as is needed (Debian's postgresql package "
                         "creates it)") from None


def _reachable_by(account: pwd.struct_passwd, folder: Path) -> Path | None:
    """The first ancestor of `folder` that `account` cannot search, if any."""
    for parent in [*reversed(folder.resolve().parents), folder.resolve()]:
        if not parent.exists():
            break
        st = parent.stat()
        if st.st_uid == account.pw_uid:
            continue
        groups = {account.pw_gid} | {g for g in os.getgrouplist(account.pw_name,
                                                                account.pw_gid)}
        mode = st.st_mode
        if st.st_gid in groups and mode & stat.S_IXGRP or mode & stat.S_IXOTH:
            continue
        return parent
    return None


class PrivatePostgres:
    def __init__(self, folder: Path, port: int, binaries: ClusterBinaries) -> None:
        self.folder = folder.resolve()  # postgres resolves paths from inside its data folder
        self.data = self.folder / "data"
        self.socket_dir = self.folder / "socket"
        self.port = port
        self.binaries = binaries
        self.password = secrets.token_urlsafe(18)
        self.account = _os_user()
        self.log_path = self.folder / "postgres.log"
        self.process: OwnedProcess | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _as_user(self, argv: list[str]) -> list[str]:
        if self.account is None:
            return argv
        return ["setpriv", f"--reuid={self.account.pw_uid}", f"--regid={self.account.pw_gid}",
                "--init-groups", "--", *argv]

    def preflight(self) -> None:
        if self.account is not None:
            self.folder.parent.mkdir(parents=True, exist_ok=True)
            blocked = _reachable_by(self.account, self.folder.parent)
            if blocked is not None:
                raise UsageError(
                    f"cluster state folder {self.folder}: {blocked} is not searchable by user "
                    f"{OS_USER!r}, who runs PostgreSQL (it refuses root); use a state folder "
                    f"under a world-searchable path (e.g. reports/)")

    def init(self) -> None:
        """A fresh data folder (any earlier one is removed: every cluster starts empty)."""
        self.preflight()
        if self.folder.exists():
            shutil.rmtree(self.folder)
        self.folder.mkdir(parents=True)
        self.socket_dir.mkdir()
        pwfile = self.folder / "pwfile"
        fd = os.open(pwfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(self.password + "\n")
        if self.account is not None:
            for path in (self.folder, self.socket_dir, pwfile):
                os.chown(path, self.account.pw_uid, self.account.pw_gid)
        argv = self._as_user([str(self.binaries.initdb), "-D", str(self.data), "-U", DB_USER,
                              f"--pwfile={pwfile}", "--auth-local=trust",
                              "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C",
                              "--no-sync"])
        try:
            result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        finally:
            pwfile.unlink(missing_ok=True)
        if result.returncode != 0:
            with open(self.log_path, "a", encoding="utf-8") as log:
                log.write(result.stdout + result.stderr)
            raise StackError(f"initdb failed (exit {result.returncode}): "
                             f"{(result.stderr or result.stdout).strip().splitlines()[-1:]}; "
                             f"see {self.log_path}")

    def argv(self) -> list[str]:
        return self._as_user([
            str(self.binaries.postgres), "-D", str(self.data), "-p", str(self.port),
            "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.socket_dir}",
            # Pools are per service process (see temporal.yaml): 5+ processes want ~80.
            "-c", "max_connections=200"])

    async def start(self, timeout: float = 30.0) -> None:
        if self.process is None:
            self.process = OwnedProcess("postgres", self.argv(), log_path=self.log_path)
        self.process.start()
        await self.wait_ready(timeout)

    async def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and not self.process.alive():
                raise StackError(f"postgres exited with code {self.process.returncode}; "
                                 f"see {self.log_path}")
            probe = await asyncio.create_subprocess_exec(
                str(self.binaries.pg_isready), "-q", "-h", "127.0.0.1", "-p", str(self.port),
                "-t", "1", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if await probe.wait() == 0:
                return
            await asyncio.sleep(0.1)
        raise StackError(f"postgres on {self.address} not ready after {timeout:.0f}s; "
                         f"see {self.log_path}")

    def stop(self, grace: float = 20.0) -> int | None:
        """Fast shutdown (SIGINT: roll back open transactions, disconnect, checkpoint)."""
        if self.process is None or not self.process.alive():
            return None
        self.process.signal(signal.SIGINT)
        code = self.process.wait(grace)
        if code is None:
            return self.process.kill()
        return code

    def alive(self) -> bool:
        return bool(self.process and self.process.alive())

    def env(self) -> dict[str, str]:
        """What the SQL tool and the services need to log in (the password included)."""
        return {"DB_USER": DB_USER, "DB_PASSWORD": self.password}
