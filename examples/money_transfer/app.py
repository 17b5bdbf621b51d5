"""The app: a transfer withdraws from one account and deposits into another.

The activities call the bank's ledger service (here the harness's reference `accounts`
service) with an idempotency key per step, so a retried or duplicated delivery moves the
money once. If the deposit is refused, the withdrawal is reversed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from harness.services.client import BusinessRejection, ServicesClient

WORKFLOW_NAME = "MoneyTransfer"
RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(
    seconds=2), non_retryable_error_types=["Refused"])
OPTIONS = {"start_to_close_timeout": timedelta(seconds=20),
           "heartbeat_timeout": timedelta(seconds=2), "retry_policy": RETRY}


@dataclass
class Transfer:
    transfer_id: str
    source: str
    target: str
    amount: int


class BankActivities:
    def __init__(self, bank: ServicesClient, *, idempotent: bool = True) -> None:
        self.bank = bank
        self.idempotent = idempotent

    async def _entry(self, step: str, account: str, amount: int) -> None:
        info = activity.info()
        ref = f"{info.workflow_id}/{step}"
        try:
            await self.bank.call("accounts", "entry", {
                "key": ref if self.idempotent else None, "ref": ref,
                "workflow_id": info.workflow_id, "account_id": account, "amount": amount,
                "request_id": step})
        except BusinessRejection as err:
            raise ApplicationError(str(err), type="Refused", non_retryable=True) from err

    @activity.defn(name="withdraw")
    async def withdraw(self, t: Transfer) -> None:
        await self._entry("withdraw", t.source, -t.amount)

    @activity.defn(name="deposit")
    async def deposit(self, t: Transfer) -> None:
        if t.target == "closed-account":
            raise ApplicationError("target account is closed", type="Refused",
                                   non_retryable=True)
        await self._entry("deposit", t.target, t.amount)

    @activity.defn(name="reverse_withdrawal")
    async def reverse(self, t: Transfer) -> None:
        await self._entry("reverse", t.source, t.amount)


@workflow.defn(name=WORKFLOW_NAME)
class MoneyTransferV1:
    @workflow.run
    async def run(self, t: Transfer) -> str:
        await workflow.execute_activity("withdraw", t, **OPTIONS)
        try:
            await workflow.execute_activity("deposit", t, **OPTIONS)
        except ActivityError:
            await workflow.execute_activity("reverse_withdrawal", t, **OPTIONS)
            raise ApplicationError(f"transfer {t.transfer_id} reversed", type="Reversed",
                                   non_retryable=True) from None
        return "done"
