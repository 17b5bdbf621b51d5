"""Which ledger refs each reference activity writes: the bridge from history to ledger.

A history says "charge_payment completed at 12:00:01"; the ledger says "an attempt on
<wid>/charge at 12:00:03". Joining the two needs to know which refs an activity touches,
which only the workloads' activities define (docs/run-folder.md lists them). Mutants keep
the activity type names, so the same table serves them. Unknown types are not judged.
"""

from __future__ import annotations

import re
from typing import Any

# The reference workloads, whose steps call the reference services and leave ledger rows.
REFERENCE_WORKLOADS = frozenset({"order_saga", "entity", "fanout", "approval"})

# Order saga activities that touch exactly one ref: activity type -> step.
_SINGLE = {"reserve_inventory": "reserve", "charge_payment": "charge", "ship_order": "ship",
           "release_inventory": "release", "refund_payment": "refund",
           "request_approval": "request"}

PACK_REF = re.compile(r"^(?P<wid>.+)/pack/(?P<item>\d+)$")


def refs_of(workflow_id: str, activity_type: str, args: list[Any]) -> set[str] | None:
    """The refs one activity execution writes, or None when the type is not known here."""
    if activity_type in _SINGLE:
        return {f"{workflow_id}/{_SINGLE[activity_type]}"}
    try:
        if activity_type == "pack_order":
            items = int((args[0] or {}).get("pack_items", 0))
            return {f"{workflow_id}/pack/{i}" for i in range(items)}
        if activity_type == "apply_entry":
            return {f"{workflow_id}/entry/{args[1]}"}
        if activity_type == "process_item":
            return {f"{workflow_id}/item/{args[2]}"}
        if activity_type == "notify":
            return {f"{workflow_id}/notify/{args[1]}"}
    except (IndexError, TypeError, ValueError, AttributeError):
        return None
    return None


def pack_item(ref: str) -> int | None:
    """The item index of a pack ref (`<wid>/pack/<i>`), else None."""
    match = PACK_REF.match(ref or "")
    return int(match["item"]) if match else None
