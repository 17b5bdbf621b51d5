"""What names a scenario may use: workloads (with versions and params), faults, checks.

The scenario loader validates against a Catalog so that a typo is reported with the
list of known names, before anything is started. `default_catalog()` assembles it here,
in one place, from the registries of the workloads, faults and checks packages; the
registries know nothing of the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pydantic import BaseModel

if TYPE_CHECKING:
    from harness.workloads.app_spec import AppSpec
    from harness.workloads.base import Workload


@dataclass(frozen=True)
class WorkloadInfo:
    versions: tuple[str, ...]
    params_model: type[BaseModel]
    description: str = ""
    # Activity types its code registers; empty when they cannot be listed (not validated).
    activity_types: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Catalog:
    workloads: dict[str, WorkloadInfo] = field(default_factory=dict)
    # fault type -> pydantic model of its spec (the model includes its schedule fields)
    faults: dict[str, type[BaseModel]] = field(default_factory=dict)
    # check name -> pydantic model of its options (an empty model when it takes none)
    checks: dict[str, type[BaseModel]] = field(default_factory=dict)


def default_catalog() -> Catalog:
    """The built-in names, plus users' workloads and checks by import path on lookup."""
    # Imported here, not at the top: loading a scenario model should not import every
    # workload's workflow code until a catalog is actually needed.
    from harness.checks.registry import CHECKS, as_check
    from harness.faults.registry import FAULTS
    from harness.plugins import PluggableRegistry
    from harness.workloads.registry import WORKLOADS, as_workload

    workloads = PluggableRegistry({name: info_of(w) for name, w in WORKLOADS.items()},
                                  lambda path, obj: info_of(as_workload(path, obj)))
    workloads.errors = WORKLOADS.errors  # one record of why an import path did not resolve
    checks = PluggableRegistry({name: c.options_model for name, c in CHECKS.items()},
                               lambda path, obj: as_check(path, obj).options_model)
    checks.errors = CHECKS.errors
    return Catalog(workloads=workloads, faults=dict(FAULTS), checks=checks)


def info_of(workload: Workload) -> WorkloadInfo:
    from harness.workloads.registry import activity_types

    return WorkloadInfo(tuple(workload.versions), workload.params_model, workload.description,
                        activity_types(workload))


def register_app(catalog: Catalog, name: str | None, spec: AppSpec) -> str:
    """A user's app named in a scenario: build its workload, register it with the workloads
    (so workers and drivers find it) and with this catalog (so the scenario may name it)."""
    from harness.workloads.registry import register_app as register_workload

    workload = register_workload(name, spec)
    dict.__setitem__(catalog.workloads, workload.name, info_of(workload))
    return workload.name
