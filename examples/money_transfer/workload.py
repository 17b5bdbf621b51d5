"""How the harness runs the app: its versions, activities, params and starter."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Field

from examples.money_transfer.app import WORKFLOW_NAME, BankActivities, MoneyTransferV1, Transfer
from harness.services.client import ServicesClient
from harness.workloads.base import DriveContext, Workload, await_result, start_workflow


class TransferParams(BaseModel):
    model_config = {"extra": "forbid"}

    accounts: int = Field(default=5, ge=2)
    max_amount: int = Field(default=100, ge=1)
    closed_ratio: float = Field(default=0.1, ge=0, le=1)  # transfers to a closed account


def activities(bank: ServicesClient, version: str) -> list[Callable[..., Any]]:
    acts = BankActivities(bank, idempotent=version != "mutant-no-key")
    return [acts.withdraw, acts.deposit, acts.reverse]


async def start_one(ctx: DriveContext, index: int) -> None:
    """The starter: one transfer from an index and the seed."""
    params = ctx.params
    assert isinstance(params, TransferParams)
    rng = ctx.rng(index)
    source, target = rng.sample(range(params.accounts), 2)
    closed = rng.random() < params.closed_ratio
    transfer = Transfer(f"tx-{index}", f"acct-{source}",
                        "closed-account" if closed else f"acct-{target}",
                        rng.randint(1, params.max_amount))
    handle = await start_workflow(ctx, WORKFLOW_NAME, transfer, ctx.workflow_id(index),
                                  expect="FAILED" if closed else "COMPLETED",
                                  amount=transfer.amount)
    if handle is not None:
        await await_result(ctx, handle)


TRANSFER = Workload(
    name="money_transfer",
    description="withdraw, deposit, reverse on refusal (an example user workload)",
    workflow_type=WORKFLOW_NAME,
    versions={"v1": [MoneyTransferV1], "mutant-no-key": [MoneyTransferV1]},
    activities=activities,
    params_model=TransferParams,
    drive=start_one,
)
