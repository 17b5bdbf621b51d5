"""Fault families by name: the spec model of each, and how a planned firing becomes a Fault."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import BaseModel

from harness.faults.activity import DuplicateDelivery, DuplicateDeliveryFault
from harness.faults.base import Fault, FaultSpec
from harness.faults.client import ClientRetry, ClientRetryFault
from harness.faults.cluster import (
    DbRestart,
    DbRestartFault,
    HistoryKill,
    HistoryKillFault,
    ServiceRestart,
    ServiceRestartFault,
)
from harness.faults.dependency import DependencyDegradation, DependencyDegradationFault
from harness.faults.deploy import Deploy, DeployFault
from harness.faults.network import NetworkDisruption, NetworkDisruptionFault
from harness.faults.rate_limit import RateLimit, RateLimitFault
from harness.faults.server import ServerRestart, ServerRestartFault
from harness.faults.worker import (
    RollingRestart,
    RollingRestartFault,
    WorkerCrash,
    WorkerCrashFault,
    WorkerKill,
    WorkerKillFault,
)

# type -> (spec model, factory(fault_id, spec, seeded choice) -> Fault)
FAMILIES: dict[str, tuple[type[FaultSpec], Callable[[str, FaultSpec, float], Fault]]] = {
    "worker_kill": (WorkerKill, lambda i, s, c: WorkerKillFault(i, s, c)),  # type: ignore[arg-type]
    "rolling_restart": (RollingRestart, lambda i, s, c: RollingRestartFault(i, s)),
    "worker_crash": (WorkerCrash, lambda i, s, c: WorkerCrashFault(i, s)),
    "server_restart": (ServerRestart, lambda i, s, c: ServerRestartFault(i, s)),  # type: ignore[arg-type]
    "network": (NetworkDisruption, lambda i, s, c: NetworkDisruptionFault(i, s)),  # type: ignore[arg-type]
    "duplicate_delivery": (DuplicateDelivery, lambda i, s, c: DuplicateDeliveryFault(i, s)),
    "client_retry": (ClientRetry, lambda i, s, c: ClientRetryFault(i, s)),
    "deploy": (Deploy, lambda i, s, c: DeployFault(i, s)),
    "dependency": (DependencyDegradation,
                   lambda i, s, c: DependencyDegradationFault(i, s)),  # type: ignore[arg-type]
    "rate_limit": (RateLimit, lambda i, s, c: RateLimitFault(i, s)),  # type: ignore[arg-type]
    "history_kill": (HistoryKill, lambda i, s, c: HistoryKillFault(i, s, c)),  # type: ignore[arg-type]
    "service_restart": (ServiceRestart, lambda i, s, c: ServiceRestartFault(i, s)),  # type: ignore[arg-type]
    "db_restart": (DbRestart, lambda i, s, c: DbRestartFault(i, s)),  # type: ignore[arg-type]
}

FAULTS: dict[str, type[BaseModel]] = {name: spec for name, (spec, _) in FAMILIES.items()}


def make_fault(fault_id: str, spec: FaultSpec, choice: float) -> Fault:
    return FAMILIES[spec.type][1](fault_id, spec, choice)
