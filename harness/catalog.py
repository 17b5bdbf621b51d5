"""What names a scenario may use: workloads (with versions and params), faults, checks.

The scenario loader validates against a Catalog so that a typo is reported with the
list of known names, before anything is started. `default_catalog()` assembles it
from the registries of the workloads, faults and checks packages.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import BaseModel


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
    from harness.checks.registry import check_options_models
    from harness.faults.registry import fault_models
    from harness.workloads.registry import workload_infos

    return Catalog(workloads=workload_infos(), faults=fault_models(), checks=check_options_models())
