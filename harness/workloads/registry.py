"""The reference workloads by name."""

from __future__ import annotations

from typing import Any

from harness.plugins import PluggableRegistry
from harness.workloads.app import build as build_app
from harness.workloads.app_spec import AppSpec
from harness.workloads.approval.workload import APPROVAL
from harness.workloads.base import Workload
from harness.workloads.entity.workload import ENTITY
from harness.workloads.fanout.workload import FANOUT
from harness.workloads.order_saga.workload import ORDER_SAGA


def as_workload(path: str, obj: object) -> Workload:
    if not isinstance(obj, Workload):
        raise TypeError(f"{path} is not a harness.workloads.base.Workload")
    return obj


# Built-in names, plus users' workloads by import path (`package.module:NAME`).
WORKLOADS: PluggableRegistry[Workload] = PluggableRegistry(
    {w.name: w for w in (ORDER_SAGA, ENTITY, FANOUT, APPROVAL)}, as_workload)


def get_workload(name: str) -> Workload:
    return WORKLOADS[name]


def activity_types(w: Workload) -> frozenset[str]:
    """Every activity type any version of the workload registers (empty: cannot tell)."""
    from temporalio.activity import _Definition

    names: set[str] = set()
    for version in w.versions:
        try:
            for fn in w.activities(None, version):  # type: ignore[arg-type]
                definition = _Definition.from_callable(fn)
                if definition is not None and definition.name:
                    names.add(definition.name)
        except Exception:  # noqa: BLE001 - a user's factory that needs its services
            return frozenset()
    return frozenset(names)


def register_app(name: str | None, spec: AppSpec) -> Workload:
    """Build the app's workload and make it known under its name (the catalog adds it to
    the names a scenario may use: harness/catalog.py)."""
    workload = build_app(name or spec.type_name(), spec)
    dict.__setitem__(WORKLOADS, workload.name, workload)
    return workload


def register_apps(apps: dict[str, dict[str, Any]]) -> None:
    """In a worker process: the apps of the scenario, from the worker config."""
    for name, data in apps.items():
        register_app(name, AppSpec.model_validate(data))
