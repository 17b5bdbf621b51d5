"""Ports and environment of every cluster process: one config file, filled per process.

Membership ports are stored in a SMALLINT column of Temporal's PostgreSQL schema: a port
above 32767 kills every service at start ("value out of range for type smallint"). So every
port here is drawn from below that, free on loopback when drawn.
"""

from __future__ import annotations

import random
import socket
from dataclasses import dataclass, field

from harness.errors import StackError

LOW, HIGH = 20000, 32767  # membership ports must fit a SMALLINT


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def draw_ports(count: int, taken: set[int] | None = None) -> list[int]:
    """`count` distinct ports in LOW..HIGH, free on 127.0.0.1 now."""
    rng = random.SystemRandom()
    taken = set(taken or ())
    ports: list[int] = []
    for _ in range(count * 200):
        if len(ports) == count:
            return ports
        port = rng.randrange(LOW, HIGH + 1)
        if port not in taken and _bindable(port):
            taken.add(port)
            ports.append(port)
    raise StackError(f"cannot find {count} free loopback ports in {LOW}-{HIGH}")


@dataclass(frozen=True)
class Host:
    """One service process: `history-2` is the second history host."""

    name: str
    service: str  # frontend | history | matching | worker
    grpc_port: int
    membership_port: int
    http_port: int | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.grpc_port}"

    def env(self) -> dict[str, str]:
        prefix = self.service.upper()
        env = {f"{prefix}_GRPC_PORT": str(self.grpc_port),
               f"{prefix}_MEMBERSHIP_PORT": str(self.membership_port)}
        if self.http_port is not None:
            env[f"{prefix}_HTTP_PORT"] = str(self.http_port)
        return env


@dataclass(frozen=True)
class ClusterLayout:
    frontend: Host
    matching: Host
    worker: Host
    history: tuple[Host, ...]
    postgres_port: int
    shards: int
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def draw(cls, history_hosts: int, shards: int, frontend_port: int | None = None
             ) -> ClusterLayout:
        taken = {frontend_port} if frontend_port else set()
        ports = iter(draw_ports(8 + 2 * history_hosts, taken))
        frontend = Host("frontend", "frontend", frontend_port or next(ports), next(ports),
                        next(ports))
        history = tuple(Host(f"history-{i}", "history", next(ports), next(ports))
                        for i in range(1, history_hosts + 1))
        return cls(frontend=frontend, matching=Host("matching", "matching", next(ports),
                                                    next(ports)),
                   worker=Host("worker", "worker", next(ports), next(ports)),
                   history=history, postgres_port=next(ports), shards=shards)

    @property
    def hosts(self) -> tuple[Host, ...]:
        return (self.frontend, *self.history, self.matching, self.worker)

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name:
                return host
        raise KeyError(name)

    def env(self, host: Host) -> dict[str, str]:
        """A process's environment: every service's ports (each one finds its peers through
        membership, but the frontend's address is in the cluster metadata) and its own."""
        env = {"BIND_IP": "127.0.0.1", "NUM_HISTORY_SHARDS": str(self.shards)}
        for other in (self.frontend, self.matching, self.worker, self.history[0]):
            env.update(other.env())
        env.update(host.env())
        return env
