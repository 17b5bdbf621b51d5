"""The next release of the app: travel insurance is bought before the charge.

`BookTripV2Unpatched` simply inserts the step: deployed under running trips, their
histories no longer match the code (a nondeterminism error strands them). `BookTripV2`
guards it with `workflow.patched`, so trips begun on v1 go on the v1 path. The deploy drills
in `scenarios/` ship each under running trips.
"""

from __future__ import annotations

from temporalio import activity, workflow

with workflow.unsafe.imports_passed_through():
    from examples.trip_booking.app import STEP, WORKFLOW_NAME, BookTrip, Trip, TripActivities


class InsuredActivities(TripActivities):
    @activity.defn
    async def buy_insurance(self, trip: Trip) -> None:
        self._book("insurance", f"{trip.travellers} travellers")

    def all(self) -> list:
        return [*super().all(), self.buy_insurance]


def activities(params: dict) -> list:
    return InsuredActivities(params.get("db", "reports/trip_booking.sqlite")).all()


@workflow.defn(name=WORKFLOW_NAME)
class BookTripV2Unpatched(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def charge(self, trip: Trip, undo: list[str]) -> None:
        await workflow.execute_activity("buy_insurance", trip, **STEP)  # new, unguarded
        await super().charge(trip, undo)


@workflow.defn(name=WORKFLOW_NAME)
class BookTripV2(BookTrip):
    @workflow.run
    async def run(self, trip: Trip) -> str:
        return await super().run(trip)

    async def charge(self, trip: Trip, undo: list[str]) -> None:
        if workflow.patched("insurance"):  # trips begun on v1 replay without it
            await workflow.execute_activity("buy_insurance", trip, **STEP)
        await super().charge(trip, undo)
