"""The account entity as a registered workload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.services.client import ServicesClient
from harness.workloads.base import Workload
from harness.workloads.entity.activities import EntityActivities
from harness.workloads.entity.drive import drive
from harness.workloads.entity.model import EntityParams
from harness.workloads.entity.versions import VERSIONS
from harness.workloads.entity.workflows import WORKFLOW_NAME, AccountEntityV1
from harness.workloads.mutants.entity import AccountEntityNoDedupe


def _activities(services: ServicesClient, version: str) -> list[Callable[..., Any]]:
    return [EntityActivities(services).apply_entry]


ENTITY = Workload(
    name="entity",
    description="one long-lived account per workflow: signals, updates, queries, continue-as-new",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [AccountEntityV1], **VERSIONS, "mutant-no-dedupe": [AccountEntityNoDedupe]},
    activities=_activities,
    params_model=EntityParams,
    drive=drive,
)
