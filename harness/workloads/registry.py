"""The reference workloads by name."""

from __future__ import annotations

from harness.catalog import WorkloadInfo
from harness.plugins import PluggableRegistry
from harness.workloads.approval.workload import APPROVAL
from harness.workloads.base import Workload
from harness.workloads.entity.workload import ENTITY
from harness.workloads.fanout.workload import FANOUT
from harness.workloads.order_saga.workload import ORDER_SAGA


def _as_workload(path: str, obj: object) -> Workload:
    if not isinstance(obj, Workload):
        raise TypeError(f"{path} is not a harness.workloads.base.Workload")
    return obj


# Built-in names, plus users' workloads by import path (`package.module:NAME`).
WORKLOADS: PluggableRegistry[Workload] = PluggableRegistry(
    {w.name: w for w in (ORDER_SAGA, ENTITY, FANOUT, APPROVAL)}, _as_workload)


def get_workload(name: str) -> Workload:
    return WORKLOADS[name]


def workload_infos() -> dict[str, WorkloadInfo]:
    return PluggableRegistry(
        {name: _info(w) for name, w in WORKLOADS.items()},
        lambda path, obj: _info(_as_workload(path, obj)))


def _info(w: Workload) -> WorkloadInfo:
    return WorkloadInfo(tuple(w.versions), w.params_model, w.description)
