"""Entity mutant `mutant-no-dedupe`: operations are applied without checking their request id.

A client that retries a deposit signal or a withdrawal update after a timeout sends the
same request id again; the reference acknowledges the retry without applying it. This
mutant applies it again. The accounts service still dedupes the ledger entry by its key,
so the ledger looks clean while the workflow's balance counts the operation twice.
"""

from __future__ import annotations

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from harness.workloads.entity.model import AccountResult, AccountState, Operation
    from harness.workloads.entity.workflows import WORKFLOW_NAME, AccountEntityV1
    from harness.workloads.settings import activity_options


@workflow.defn(name=WORKFLOW_NAME)
class AccountEntityNoDedupe(AccountEntityV1):
    @workflow.run
    async def run(self, state: AccountState) -> AccountResult:
        return await super().run(state)

    async def apply(self, op: Operation) -> None:
        state = self.state
        if state.balance + op.amount < 0:
            state.results[op.request_id] = None
            return
        await workflow.execute_activity(
            "apply_entry", args=[state.account_id, op.request_id, op.amount], **activity_options()
        )
        state.balance += op.amount
        state.applied_total += 1
        self.applied_this_run += 1
        state.results[op.request_id] = state.balance
        self._trim()

    @workflow.update
    async def withdraw(self, op: Operation) -> int:
        self.queue.append(Operation(op.request_id, -abs(op.amount)))
        await workflow.wait_condition(lambda: op.request_id in self.state.results)
        balance = self.state.results[op.request_id]
        if balance is None:
            raise ApplicationError("insufficient funds", type="InsufficientFunds")
        return balance
