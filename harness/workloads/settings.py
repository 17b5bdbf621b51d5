"""Timeouts and retry policies tuned for fast, realistic recovery (docs/temporal-facts.md).

With SDK defaults a worker SIGKILL costs 20+ s before the workflow moves again: the
activity's start-to-close timeout, the 1 s doubling retry, and the dead worker's
sticky queue. A short heartbeat timeout, a 200 ms retry interval, a 1 s sticky
timeout (set on the worker) and an explicit workflow task timeout bring it to a
few seconds while keeping real retry behaviour.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio.common import RetryPolicy

ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    backoff_coefficient=2.0,
    maximum_interval=timedelta(seconds=2),
    non_retryable_error_types=["BusinessRejection"],
)

# Every activity gets a heartbeat timeout: one that dies with its worker is noticed
# after this long even if it never heartbeated (it counts from the start).
HEARTBEAT_TIMEOUT = timedelta(seconds=2)
START_TO_CLOSE = timedelta(seconds=30)

# Long activities heartbeat at this period, well inside HEARTBEAT_TIMEOUT.
HEARTBEAT_EVERY = 0.4

WORKFLOW_TASK_TIMEOUT = timedelta(seconds=3)

SEARCH_ATTRIBUTE = "HarnessRunId"


def activity_options(**overrides: object) -> dict[str, object]:
    """Keyword arguments for workflow.execute_activity(_method)."""
    options: dict[str, object] = {
        "start_to_close_timeout": START_TO_CLOSE,
        "heartbeat_timeout": HEARTBEAT_TIMEOUT,
        "retry_policy": ACTIVITY_RETRY,
    }
    options.update(overrides)
    return options
