"""The order saga as a registered workload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.services.client import ServicesClient
from harness.workloads.base import Workload
from harness.workloads.order_saga.activities import OrderActivities
from harness.workloads.order_saga.drive import drive
from harness.workloads.order_saga.model import OrderSagaParams
from harness.workloads.order_saga.workflows import WORKFLOW_NAME, OrderSagaV1


def _activities(services: ServicesClient, version: str) -> list[Callable[..., Any]]:
    acts = OrderActivities(services)
    return [acts.reserve, acts.release, acts.charge, acts.refund, acts.pack, acts.ship]


ORDER_SAGA = Workload(
    name="order_saga",
    description="reserve -> charge -> (pack) -> ship, compensations run LIFO on failure",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [OrderSagaV1]},
    activities=_activities,
    params_model=OrderSagaParams,
    drive=drive,
)
