"""What the harness needs to drive and judge the app, by import path from the scenarios:
an input per trip, the status each trip should end in, and the effect probe.
"""

from __future__ import annotations

import random
from typing import Any

from examples.trip_booking.app import Trip
from examples.trip_booking.store import connect
from harness.probes import ProbeContext

DESTINATIONS = ["Lisbon", "Oslo", "Kyoto", "Atlantis"]  # Atlantis: the hotel refuses


def trip(index: int, rng: random.Random, params: dict[str, Any]) -> Trip:
    """One trip from its index and the seed; `failing_ratio` of them go to Atlantis."""
    failing = rng.random() < float(params.get("failing_ratio", 0.25))
    destination = "Atlantis" if failing else rng.choice(DESTINATIONS[:-1])
    return Trip(trip_id=f"trip-{index}", destination=destination,
                travellers=int(params.get("travellers", 4)), amount=rng.randint(100, 900))


def expected_status(trip: Trip) -> str:
    """Trips to Atlantis fail by design (the hotel refuses); the others complete."""
    return "FAILED" if trip.destination == "Atlantis" else "COMPLETED"


def effects(ctx: ProbeContext) -> list[dict[str, Any]]:
    """Every effect of this run in the app's database, keyed by what must happen once:
    one booking per kind, one charge and one ticket per traveller, per trip."""
    params = next(iter(ctx.params.values()), {})
    prefix = ctx.workflow_prefix() + "%"
    rows: list[dict[str, Any]] = []
    with connect(params.get("db", "reports/trip_booking.sqlite")) as db:
        for r in db.execute("SELECT * FROM bookings WHERE workflow_id LIKE ?", (prefix,)):
            rows.append({"key": f"{r['workflow_id']}/{r['kind']}", "workflow_id":
                         r["workflow_id"], "step": r["step"], "cancelled": bool(r["cancelled"])})
        for r in db.execute("SELECT * FROM charges WHERE workflow_id LIKE ?", (prefix,)):
            # The business key, not the row's own key: one charge per trip.
            rows.append({"key": f"{r['workflow_id']}/charge", "workflow_id": r["workflow_id"],
                         "step": r["step"], "amount": r["amount"], "row": r["key"],
                         "refunded": bool(r["refunded"])})
        for r in db.execute("SELECT * FROM tickets WHERE workflow_id LIKE ?", (prefix,)):
            rows.append({"key": r["key"], "workflow_id": r["workflow_id"],
                         "step": "issue_tickets"})
    return rows
