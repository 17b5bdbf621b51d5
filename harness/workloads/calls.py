"""How activities call the reference services: one idempotency key per step, on every attempt.

The key is derived from the workflow id and the step, never from the attempt number,
so a retried or duplicated delivery carries the same key and the service applies it
once. Business rejections become non-retryable ApplicationErrors: retrying a declined
card does not help, compensating does.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from harness.services.client import BusinessRejection, ServicesClient


def step_key(workflow_id: str, step: str) -> str:
    return f"{workflow_id}/{step}"


async def call_step(
    services: ServicesClient,
    service: str,
    op: str,
    workflow_id: str,
    step: str,
    body: dict[str, Any],
    *,
    idempotent: bool = True,
) -> dict[str, Any]:
    """Call one service operation for one workflow step; `idempotent=False` is for mutants."""
    ref = step_key(workflow_id, step)
    payload = {"key": ref if idempotent else None, "ref": ref, "workflow_id": workflow_id, **body}
    try:
        return await services.call(service, op, payload)
    except BusinessRejection as err:
        raise ApplicationError(
            f"{service}/{op} rejected: {err.error}", type="BusinessRejection", non_retryable=True
        ) from err


def current_workflow_id() -> str:
    return activity.info().workflow_id
