"""Approval with async callback as a registered workload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.services.client import ServicesClient
from harness.workloads.approval.activities import ApprovalActivities
from harness.workloads.approval.drive import drive
from harness.workloads.approval.model import ApprovalParams
from harness.workloads.approval.versions import VERSIONS
from harness.workloads.approval.workflows import WORKFLOW_NAME, ApprovalV1
from harness.workloads.base import Workload
from harness.workloads.mutants.approval import (
    ApprovalDoubleNotify,
    ApprovalEarlyEscalation,
    ApprovalLostEarlyCallback,
)


def _activities(services: ServicesClient, version: str) -> list[Callable[..., Any]]:
    acts = ApprovalActivities(services)
    return [acts.request_approval, acts.notify]


APPROVAL = Workload(
    name="approval",
    description="request approval from an external approver; callback by signal or escalate",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [ApprovalV1], **VERSIONS,
              "mutant-lost-early-callback": [ApprovalLostEarlyCallback],
              "mutant-double-notify": [ApprovalDoubleNotify],
              "mutant-early-escalation": [ApprovalEarlyEscalation]},
    activities=_activities,
    params_model=ApprovalParams,
    drive=drive,
)
