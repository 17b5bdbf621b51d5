"""Fan-out/fan-in as a registered workload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.services.client import ServicesClient
from harness.workloads.base import Workload
from harness.workloads.fanout.activities import FanOutActivities
from harness.workloads.fanout.drive import drive
from harness.workloads.fanout.model import FanOutParams
from harness.workloads.fanout.versions import VERSIONS
from harness.workloads.fanout.workflows import WORKFLOW_NAME, FanOutChildV1, FanOutV1
from harness.workloads.mutants.fanout import (
    FanOutAbandonChildren,
    FanOutChildNewId,
    ItemTwiceActivities,
)


def _activities(services: ServicesClient, version: str) -> list[Callable[..., Any]]:
    if version == "mutant-item-twice":
        return [ItemTwiceActivities(services).process_item]
    return [FanOutActivities(services).process_item]


FANOUT = Workload(
    name="fanout",
    description="a parent starts C children of A activities each and sums their results",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [FanOutV1, FanOutChildV1], **VERSIONS,
              "mutant-child-new-id": [FanOutChildNewId, FanOutChildV1],
              "mutant-item-twice": [FanOutV1, FanOutChildV1],
              "mutant-abandon-children": [FanOutAbandonChildren, FanOutChildV1]},
    activities=_activities,
    params_model=FanOutParams,
    drive=drive,
)
