"""Planted bugs: versions of the app that each get one classic mistake wrong.

Each is a version of the app in the scenarios (`versions:`), and each must make one of the
harness's generic checks fail under the fault that exposes it:
- `no-key`: the charge has no idempotency key (a fresh one per delivery): a duplicated
  delivery charges twice. Caught by `idempotency` with the effect probe.
- `late-compensation`: each compensation is registered after its step succeeded, so a hotel
  that held the room and then failed is never released. Caught by `compensation` (pairs).
- `no-checkpoint`: ticketing ignores its heartbeat checkpoint and starts over after a crash.
  Caught by `resume_from_last_step` (heartbeat progress).
- `late-count`: the confirmation counter is read after the charge, so the provider's early
  callback is lost before the wait and the trip times out. Caught by `liveness`.
"""

from __future__ import annotations

import uuid
from typing import Any

from temporalio import activity, workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from examples.trip_booking.app import (
        LONG_STEP,
        PAIRS,
        STEP,
        WORKFLOW_NAME,
        BookTrip,
        Trip,
        TripActivities,
        compensate,
    )


class NoKeyActivities(TripActivities):
    @activity.defn(name="charge_card")
    async def charge_card(self, trip: Trip) -> None:
        await self._charge(trip, key=str(uuid.uuid4()))  # BUG: a new key per delivery


class NoCheckpointActivities(TripActivities):
    @activity.defn(name="issue_tickets")
    async def issue_tickets(self, trip: Trip) -> int:
        await self._issue(trip, 0)  # BUG: the heartbeat details are ignored
        return trip.travellers


def no_key(params: dict[str, Any]) -> list[Any]:
    return NoKeyActivities(params.get("db", "reports/trip_booking.sqlite")).all()


def no_checkpoint(params: dict[str, Any]) -> list[Any]:
    return NoCheckpointActivities(params.get("db", "reports/trip_booking.sqlite")).all()


@workflow.defn(name=WORKFLOW_NAME)
class LateCompensation(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        undo: list[str] = []
        try:
            for step in ("book_flight", "book_hotel", "book_car"):
                await workflow.execute_activity(step, trip, **STEP)
                undo.append(PAIRS[step])  # BUG: registered only after the step succeeded
            seen = len(self.confirmations)
            await workflow.execute_activity("charge_card", trip, **STEP)
            undo.append("refund_card")
            await self.wait_for_confirmation(seen)
            await workflow.execute_activity("issue_tickets", trip, **LONG_STEP)
        except (ActivityError, ApplicationError) as err:
            await compensate(trip, undo)
            raise ApplicationError(f"trip {trip.trip_id} rolled back: {err}",
                                   type="TripFailed", non_retryable=True) from None
        return "booked"


@workflow.defn(name=WORKFLOW_NAME)
class LateCount(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        undo: list[str] = []
        try:
            for step in ("book_flight", "book_hotel", "book_car"):
                undo.append(PAIRS[step])
                await workflow.execute_activity(step, trip, **STEP)
            undo.append("refund_card")
            await workflow.execute_activity("charge_card", trip, **STEP)
            seen = len(self.confirmations)  # BUG: the callback may already be counted
            await self.wait_for_confirmation(seen)
            await workflow.execute_activity("issue_tickets", trip, **LONG_STEP)
        except (ActivityError, ApplicationError) as err:
            await compensate(trip, undo)
            raise ApplicationError(f"trip {trip.trip_id} rolled back: {err}",
                                   type="TripFailed", non_retryable=True) from None
        return "booked"
