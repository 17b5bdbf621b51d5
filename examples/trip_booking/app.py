"""The app: book a flight, a hotel and a car, charge the card, wait for the payment
provider's confirmation, then issue the tickets; undo what was done if anything fails.

The activities write to the app's own SQLite database (`store.py`). Nothing here knows the
harness. The saga registers each compensation BEFORE its step, because a step that failed or
timed out may still have taken effect; the charge is keyed by trip, so a duplicated delivery
charges once; the long ticketing step resumes from its heartbeat checkpoint; the confirmation
counter is read before the charge, so a confirmation arriving early is not missed.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from examples.trip_booking.store import connect

WORKFLOW_NAME = "BookTrip"
RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200),
                    maximum_interval=timedelta(seconds=2),
                    non_retryable_error_types=["HotelRefused"])
STEP = {"start_to_close_timeout": timedelta(seconds=10), "retry_policy": RETRY}
LONG_STEP = {**STEP, "start_to_close_timeout": timedelta(seconds=60),
             "heartbeat_timeout": timedelta(seconds=2)}
CONFIRMATION_WAIT = timedelta(seconds=8)
TICKET_SECONDS = 0.3  # issuing one ticket takes this long

# forward step -> the step that undoes it (also the `pairs` of the compensation check)
PAIRS = {"book_flight": "cancel_flight", "book_hotel": "cancel_hotel",
         "book_car": "cancel_car", "charge_card": "refund_card"}


@dataclass
class Trip:
    trip_id: str
    destination: str
    travellers: int
    amount: int


class TripActivities:
    """The activities, bound to the app's database file."""

    def __init__(self, db_path: str) -> None:
        self.db_path = db_path

    def _book(self, kind: str, detail: str) -> None:
        info = activity.info()
        with connect(self.db_path) as db:
            db.execute("INSERT OR IGNORE INTO bookings (key, workflow_id, step, kind, detail, t)"
                       " VALUES (?, ?, ?, ?, ?, ?)",
                       (f"{info.workflow_id}/{kind}", info.workflow_id, info.activity_type,
                        kind, detail, time.time()))

    def _cancel(self, kind: str) -> None:
        with connect(self.db_path) as db:
            db.execute("UPDATE bookings SET cancelled = 1 WHERE key = ?",
                       (f"{activity.info().workflow_id}/{kind}",))

    @activity.defn
    async def book_flight(self, trip: Trip) -> None:
        self._book("flight", f"to {trip.destination} for {trip.travellers}")

    @activity.defn
    async def book_hotel(self, trip: Trip) -> None:
        self._book("hotel", trip.destination)
        if trip.destination == "Atlantis":
            # The room is held, then the hotel refuses the card guarantee: the step failed
            # AFTER its effect, which only a compensation registered before it undoes.
            raise ApplicationError("the hotel refused the card guarantee", type="HotelRefused")

    @activity.defn
    async def book_car(self, trip: Trip) -> None:
        self._book("car", trip.destination)

    @activity.defn
    async def charge_card(self, trip: Trip) -> None:
        await self._charge(trip, key=f"{activity.info().workflow_id}/charge")

    async def _charge(self, trip: Trip, key: str) -> None:
        info = activity.info()
        with connect(self.db_path) as db:
            db.execute("INSERT OR IGNORE INTO charges (key, workflow_id, step, amount, t) "
                       "VALUES (?, ?, ?, ?, ?)",
                       (key, info.workflow_id, info.activity_type, trip.amount, time.time()))
            sent = db.execute("SELECT 1 FROM callbacks WHERE key = ?", (key,)).fetchone()
        if sent is None:
            # The payment provider confirms by calling the workflow back, once per charge,
            # and quickly: often before the workflow has even seen the charge complete.
            handle = activity.client().get_workflow_handle(info.workflow_id)
            await handle.signal("payment_confirmed", key)
            with connect(self.db_path) as db:
                db.execute("INSERT OR IGNORE INTO callbacks (key, workflow_id, t) "
                           "VALUES (?, ?, ?)", (key, info.workflow_id, time.time()))

    @activity.defn
    async def issue_tickets(self, trip: Trip) -> int:
        """One ticket per traveller, slow; the heartbeat records how many are issued."""
        details = activity.info().heartbeat_details
        done = int(details[0]) if details else 0  # resume from the checkpoint
        await self._issue(trip, done)
        return trip.travellers

    async def _issue(self, trip: Trip, start: int) -> None:
        wid = activity.info().workflow_id
        for traveller in range(start, trip.travellers):
            with connect(self.db_path) as db:
                db.execute("INSERT OR IGNORE INTO tickets (key, workflow_id, traveller, t) "
                           "VALUES (?, ?, ?, ?)",
                           (f"{wid}/ticket/{traveller}", wid, traveller, time.time()))
            activity.heartbeat(traveller + 1)
            await asyncio.sleep(TICKET_SECONDS)

    @activity.defn
    async def cancel_flight(self, trip: Trip) -> None:
        self._cancel("flight")

    @activity.defn
    async def cancel_hotel(self, trip: Trip) -> None:
        self._cancel("hotel")

    @activity.defn
    async def cancel_car(self, trip: Trip) -> None:
        self._cancel("car")

    @activity.defn
    async def refund_card(self, trip: Trip) -> None:
        with connect(self.db_path) as db:
            db.execute("UPDATE charges SET refunded = 1 WHERE workflow_id = ?",
                       (activity.info().workflow_id,))

    def all(self) -> list[Any]:
        return [self.book_flight, self.book_hotel, self.book_car, self.charge_card,
                self.issue_tickets, self.cancel_flight, self.cancel_hotel, self.cancel_car,
                self.refund_card]


def activities(params: dict[str, Any]) -> list[Any]:
    """The activities for the scenario's params (`db`: the database file)."""
    return TripActivities(params.get("db", "reports/trip_booking.sqlite")).all()


@workflow.defn(name=WORKFLOW_NAME)
class BookTrip:
    def __init__(self) -> None:
        self.confirmations: list[str] = []

    @workflow.signal
    def payment_confirmed(self, charge: str) -> None:
        self.confirmations.append(charge)

    @workflow.run
    async def run(self, trip: Trip) -> str:
        undo: list[str] = []  # the compensations of the steps begun, in order
        try:
            for step in ("book_flight", "book_hotel", "book_car"):
                await self.book(step, trip, undo)
            await self.charge(trip, undo)
            await self.issue_tickets(trip)
        except (ActivityError, ApplicationError) as err:
            raise await rolled_back(trip, undo, err) from None
        return "booked"

    async def book(self, step: str, trip: Trip, undo: list[str]) -> None:
        undo.append(PAIRS[step])  # before the step: it may fail after its effect
        await workflow.execute_activity(step, trip, **STEP)

    async def charge(self, trip: Trip, undo: list[str]) -> None:
        undo.append("refund_card")
        seen = len(self.confirmations)  # before the charge: its callback may come first
        await workflow.execute_activity("charge_card", trip, **STEP)
        await self.wait_for_confirmation(seen)

    async def issue_tickets(self, trip: Trip) -> None:
        await workflow.execute_activity("issue_tickets", trip, **LONG_STEP)

    async def wait_for_confirmation(self, seen: int) -> None:
        try:
            await workflow.wait_condition(lambda: len(self.confirmations) > seen,
                                          timeout=CONFIRMATION_WAIT)
        except TimeoutError:
            raise ApplicationError("no payment_confirmed signal after charge_card within "
                                   f"{CONFIRMATION_WAIT.total_seconds():g}s",
                                   type="NoConfirmation") from None


async def rolled_back(trip: Trip, undo: list[str], err: Exception) -> ApplicationError:
    """Undo in reverse order of the steps; the error the trip then fails with."""
    for step in reversed(undo):
        await workflow.execute_activity(step, trip, **STEP)
    return ApplicationError(f"trip {trip.trip_id} rolled back: {err}", type="TripFailed",
                            non_retryable=True)
