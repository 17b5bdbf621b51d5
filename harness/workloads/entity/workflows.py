"""The account entity workflow, v1 (the reference).

Operations are applied one at a time from a queue by the main loop, so signals and
updates never interleave inside a balance change. Each carries a request id: a
retried signal or update with the same id is acknowledged, not applied again.
"""

from __future__ import annotations

from collections import deque

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from harness.workloads.entity.model import AccountResult, AccountState, Operation
    from harness.workloads.settings import activity_options

WORKFLOW_NAME = "AccountEntity"


@workflow.defn(name=WORKFLOW_NAME)
class AccountEntityV1:
    def __init__(self) -> None:
        self.state = AccountState(account_id="")
        self.queue: deque[Operation] = deque()
        self.closed = False
        self.applied_this_run = 0

    @workflow.run
    async def run(self, state: AccountState) -> AccountResult:
        self.state = state
        while True:
            await workflow.wait_condition(lambda: bool(self.queue) or self.closed)
            while self.queue:
                await self.apply(self.queue.popleft())
            if self.closed:
                await workflow.wait_condition(workflow.all_handlers_finished)
                return AccountResult(state.account_id, state.balance, state.applied_total,
                                     state.runs)
            if self.applied_this_run >= state.continue_as_new_after:
                await workflow.wait_condition(workflow.all_handlers_finished)
                if not self.queue and not self.closed:
                    state.runs += 1
                    workflow.continue_as_new(state)

    async def apply(self, op: Operation) -> None:
        state = self.state
        if op.request_id in state.results:
            return  # a retry of an operation already applied or rejected
        if state.balance + op.amount < 0:
            state.results[op.request_id] = None
            return
        await self.before_apply(op)
        await workflow.execute_activity(
            "apply_entry", args=[state.account_id, op.request_id, op.amount], **activity_options()
        )
        state.balance += op.amount
        state.applied_total += 1
        self.applied_this_run += 1
        state.results[op.request_id] = state.balance
        self._trim()

    async def before_apply(self, op: Operation) -> None:
        """A hook for later versions (v2 adds an audit delay); v1 does nothing here."""

    def _trim(self) -> None:
        window = 500
        while len(self.state.results) > window:
            self.state.results.pop(next(iter(self.state.results)))

    @workflow.signal
    def deposit(self, op: Operation) -> None:
        self.queue.append(op)

    @workflow.update
    async def withdraw(self, op: Operation) -> int:
        if op.request_id not in self.state.results:
            self.queue.append(Operation(op.request_id, -abs(op.amount)))
        await workflow.wait_condition(lambda: op.request_id in self.state.results)
        balance = self.state.results[op.request_id]
        if balance is None:
            raise ApplicationError("insufficient funds", type="InsufficientFunds")
        return balance

    @workflow.signal
    def close(self) -> None:
        self.closed = True

    @workflow.query
    def balance(self) -> int:
        return self.state.balance
