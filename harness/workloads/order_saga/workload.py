"""The order saga as a registered workload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from harness.services.client import ServicesClient
from harness.workloads.base import Workload
from harness.workloads.mutants import order_saga_activities as mutant_acts
from harness.workloads.mutants.order_saga import (
    OrderSagaCompensateEverything,
    OrderSagaCompensateFifo,
    OrderSagaCompensateOnSuccess,
    OrderSagaCompensationAfterStep,
    OrderSagaNoHeartbeatTimeout,
    OrderSagaSkipCompensation,
)
from harness.workloads.order_saga.activities import OrderActivities
from harness.workloads.order_saga.drive import drive
from harness.workloads.order_saga.model import OrderSagaParams
from harness.workloads.order_saga.versions import VERSIONS
from harness.workloads.order_saga.workflows import WORKFLOW_NAME, OrderSagaV1

# Mutants that break an activity rather than the workflow (see harness.workloads.mutants).
_MUTANT_ACTIVITIES = {"mutant-no-idempotency-key": mutant_acts.NoIdempotencyKeyActivities,
                      "mutant-no-checkpoint": mutant_acts.NoCheckpointActivities,
                      "mutant-overcharge": mutant_acts.OverchargeActivities,
                      "mutant-recharge-on-retry": mutant_acts.RechargeOnRetryActivities,
                      "mutant-retry-storm": mutant_acts.RetryStormActivities}


def _activities(services: ServicesClient, version: str) -> list[Callable[..., Any]]:
    acts = _MUTANT_ACTIVITIES.get(version, OrderActivities)(services)
    # notify_order is v2's confirmation; registered everywhere so a rolling deploy can run
    # v2 executions on workers of any version.
    notify = mutant_acts.NotifyActivities(services).notify_order
    return [acts.reserve, acts.release, acts.charge, acts.refund, acts.pack, acts.ship, notify]


ORDER_SAGA = Workload(
    name="order_saga",
    description="reserve -> charge -> (pack) -> ship, compensations run LIFO on failure",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [OrderSagaV1],
              **VERSIONS,
              "mutant-no-idempotency-key": [OrderSagaV1],
              "mutant-no-checkpoint": [OrderSagaV1],
              "mutant-retry-storm": [OrderSagaV1],
              "mutant-skip-compensation": [OrderSagaSkipCompensation],
              "mutant-compensation-after-step": [OrderSagaCompensationAfterStep],
              "mutant-no-heartbeat-timeout": [OrderSagaNoHeartbeatTimeout],
              "mutant-compensate-fifo": [OrderSagaCompensateFifo],
              "mutant-compensate-on-success": [OrderSagaCompensateOnSuccess],
              "mutant-compensate-everything": [OrderSagaCompensateEverything],
              "mutant-overcharge": [OrderSagaV1],
              "mutant-recharge-on-retry": [OrderSagaV1]},
    activities=_activities,
    params_model=OrderSagaParams,
    drive=drive,
)
