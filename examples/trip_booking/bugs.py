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
- `sloppy-undo`: every compensation registered up front and run in the order of the steps,
  in a `finally`: a car never booked is cancelled, the hotel is released after the flight,
  and completed trips are undone too. Caught by `compensation` (pairs).
- `start-over`: when ticketing fails after a crash, the trip "retries" by starting over
  (continue-as-new with the same input), so finished bookings are scheduled again. Caught
  by `resume_from_last_step` (finished work redone).
- `careless`: the usual pitfalls at once: ticketing runs long without a heartbeat timeout and
  returns a bulky result, a refused car is retried until the attempts run out, and the
  traveller notification fails again and again under unbounded retries. Caught by
  `practices`.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
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


class CarelessActivities(TripActivities):
    @activity.defn(name="book_car")
    async def book_car(self, trip: Trip) -> None:
        if trip.destination == "Oslo":  # BUG: a business refusal raised as retryable
            raise ApplicationError("no car left in Oslo", type="NoCars")
        self._book("car", trip.destination)

    @activity.defn(name="issue_tickets")
    async def issue_tickets(self, trip: Trip) -> str:
        await self._issue(trip, 0)
        return "ticket " * 20_000  # BUG: the whole ticket bundle travels through history

    @activity.defn
    async def notify_traveller(self, trip: Trip) -> None:
        if activity.info().attempt <= 6:  # the mail server is down for a while
            raise ApplicationError("mail server unavailable", type="MailDown")

    def all(self) -> list[Any]:
        return [*super().all(), self.notify_traveller]


def no_key(params: dict[str, Any]) -> list[Any]:
    return NoKeyActivities(params.get("db", "reports/trip_booking.sqlite")).all()


def no_checkpoint(params: dict[str, Any]) -> list[Any]:
    return NoCheckpointActivities(params.get("db", "reports/trip_booking.sqlite")).all()


def careless(params: dict[str, Any]) -> list[Any]:
    return CarelessActivities(params.get("db", "reports/trip_booking.sqlite")).all()


@workflow.defn(name=WORKFLOW_NAME)
class LateCompensation(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def book(self, step: str, trip: Trip, undo: list[str]) -> None:
        await workflow.execute_activity(step, trip, **STEP)
        undo.append(PAIRS[step])  # BUG: registered only after the step succeeded


@workflow.defn(name=WORKFLOW_NAME)
class LateCount(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def charge(self, trip: Trip, undo: list[str]) -> None:
        undo.append("refund_card")
        await workflow.execute_activity("charge_card", trip, **STEP)
        seen = len(self.confirmations)  # BUG: the callback may already be counted
        await self.wait_for_confirmation(seen)


@workflow.defn(name=WORKFLOW_NAME)
class Careless(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def book(self, step: str, trip: Trip, undo: list[str]) -> None:
        if step != "book_car":
            return await super().book(step, trip, undo)
        undo.append(PAIRS[step])
        few = RetryPolicy(initial_interval=timedelta(milliseconds=100), maximum_attempts=3)
        # BUG: retries a refusal that cannot change
        await workflow.execute_activity(step, trip, start_to_close_timeout=timedelta(
            seconds=10), retry_policy=few)

    async def issue_tickets(self, trip: Trip) -> None:
        # BUG: a long step with no heartbeat timeout: a dead worker is noticed only at its
        # start-to-close timeout
        await workflow.execute_activity("issue_tickets", trip,
                                        start_to_close_timeout=timedelta(seconds=8))
        # BUG: unbounded retries of a step that keeps failing
        fast = RetryPolicy(initial_interval=timedelta(milliseconds=100), backoff_coefficient=1)
        await workflow.execute_activity("notify_traveller", trip, retry_policy=fast,
                                        start_to_close_timeout=timedelta(seconds=5))


@workflow.defn(name=WORKFLOW_NAME)
class SloppyUndo(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        try:
            for step in ("book_flight", "book_hotel", "book_car"):
                await workflow.execute_activity(step, trip, **STEP)
            await self.charge(trip, [])
            await self.issue_tickets(trip)
        finally:
            # BUG: every compensation, whatever began, in the steps' order, even on success
            for undo in PAIRS.values():
                await workflow.execute_activity(undo, trip, **STEP)
        return "booked"


@workflow.defn(name=WORKFLOW_NAME)
class StartOver(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def issue_tickets(self, trip: Trip) -> None:
        once = RetryPolicy(maximum_attempts=1)
        try:
            await workflow.execute_activity("issue_tickets", trip,
                                            **{**LONG_STEP, "retry_policy": once})
        except ActivityError:
            # BUG: "retry" by starting the whole trip over: every finished step runs again
            workflow.continue_as_new(trip)
