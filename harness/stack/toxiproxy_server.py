"""The toxiproxy-server process the harness owns, when no external toxiproxy is given.

It runs in its own process group like every owned process (always killed on exit) and
listens on loopback only; its `-seed` makes toxiproxy's own random draws (toxicity)
reproducible from the run's seed.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path
from types import TracebackType

from harness.errors import StackError
from harness.stack.binaries import find_binary
from harness.stack.ports import ensure_port_free, free_port, require_loopback
from harness.stack.processes import OwnedProcess
from harness.stack.toxiproxy import Toxiproxy, ToxiproxyError

log = logging.getLogger(__name__)


class ToxiproxyServer:
    """A toxiproxy-server process the harness owns (its own process group, always killed).

    ``seed`` is passed to the server's ``-seed`` flag, which seeds the random draw of toxicity
    (one seed drives every random choice of a run).
    """

    def __init__(
        self, log_path: Path, *, binary: Path | None = None, seed: int | None = None
    ) -> None:
        self.log_path = Path(log_path)
        self.binary = binary
        self.seed = seed
        self.host: str | None = None
        self.port: int | None = None
        self._process: OwnedProcess | None = None

    @property
    def url(self) -> str:
        if self.host is None or self.port is None:
            raise StackError("toxiproxy-server is not started")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def process(self) -> OwnedProcess | None:
        return self._process

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def client(self, timeout: float = 5.0) -> Toxiproxy:
        return Toxiproxy(self.url, timeout=timeout)

    def start(
        self, host: str = "127.0.0.1", port: int | None = None, *, timeout: float = 15.0
    ) -> ToxiproxyServer:
        """Start the server and wait until ``GET /version`` answers.

        With ``port=None`` a free port is picked; losing the race for it to another program is
        retried with a new port. An explicit port that is taken is the user's to fix
        (PortInUseError, nothing started).
        """
        if self._process is not None and self._process.alive():
            raise StackError(f"toxiproxy-server is already running at {self.url}")
        require_loopback(host, "toxiproxy API")
        binary = self.binary or find_binary("toxiproxy-server")
        if port is not None:
            ensure_port_free(host, port, "toxiproxy API")
        attempts = 1 if port is not None else 3
        failure = ""
        for _ in range(attempts):
            chosen = port if port is not None else free_port(host)
            argv = [str(binary), "-host", host, "-port", str(chosen)]
            if self.seed is not None:
                argv += ["-seed", str(self.seed)]
            process = OwnedProcess("toxiproxy-server", argv, log_path=self.log_path)
            process.start()
            self._process, self.host, self.port = process, host, chosen
            outcome = self._wait_ready(process, timeout)
            if outcome == "ready":
                log.info("toxiproxy-server pid %s at %s", process.pid, self.url)
                return self
            process.kill()
            if outcome == "timeout":
                failure = f"did not answer GET {self.url}/version within {timeout:g}s"
                break
            failure = f"exited with code {process.returncode} before answering"
        self.host = self.port = None
        raise StackError(
            f"toxiproxy-server {failure}; see {self.log_path}{_last_line(self.log_path)}"
        )

    def _wait_ready(self, process: OwnedProcess, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        with Toxiproxy(self.url, timeout=1.0) as probe:
            while time.monotonic() < deadline:
                if not process.alive():
                    return "exited"
                try:
                    probe.version()
                    return "ready"
                except ToxiproxyError:
                    time.sleep(0.05)
        return "timeout"

    def stop(self, grace: float = 5.0) -> int | None:
        """Terminate the server's group (SIGKILL after ``grace``); its exit code."""
        if self._process is None:
            return None
        return self._process.terminate(grace)

    def __enter__(self) -> ToxiproxyServer:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _last_line(path: Path) -> str:
    """The log's last line, for an error message that says why without opening the file."""
    try:
        lines = [line for line in path.read_text(errors="replace").splitlines() if line.strip()]
    except OSError:
        return ""
    return f" (last line: {lines[-1][:300]})" if lines else ""
