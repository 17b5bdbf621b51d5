"""The reference workloads by name."""

from __future__ import annotations

from harness.catalog import WorkloadInfo
from harness.workloads.approval.workload import APPROVAL
from harness.workloads.base import Workload
from harness.workloads.entity.workload import ENTITY
from harness.workloads.fanout.workload import FANOUT
from harness.workloads.order_saga.workload import ORDER_SAGA

WORKLOADS: dict[str, Workload] = {w.name: w for w in (ORDER_SAGA, ENTITY, FANOUT, APPROVAL)}


def get_workload(name: str) -> Workload:
    return WORKLOADS[name]


def workload_infos() -> dict[str, WorkloadInfo]:
    return {
        name: WorkloadInfo(tuple(w.versions), w.params_model, w.description)
        for name, w in WORKLOADS.items()
    }
