"""Conservation laws of the order saga over the whole ledger.

Stock reserved minus stock released must equal the stock held by completed orders, and
money charged minus money refunded must equal what completed orders cost. What an order
costs and holds is its price and quantity as Temporal recorded them in the workflow's input
(its stored history), never the charge itself: a charge of the wrong amount breaks the law.
A double charge, a refund of nothing, or a failed order left holding stock all break a law,
whatever the workflows reported. Orders still running are in flight and left out of both
sides; a completed order whose input cannot be read is `unpriced` (not judged).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

TERMINAL = {"COMPLETED", "FAILED", "TERMINATED", "TIMED_OUT", "CANCELED"}
EPSILON = 1e-6


@dataclass(frozen=True)
class Law:
    name: str
    service: str
    take: str  # the forward op
    give_back: str  # its compensation
    field: str  # what the effect moves


LAWS = (Law("stock", "inventory", "reserve", "release", "qty"),
        Law("money", "payments", "charge", "refund", "amount"))


def violations(effects: list[dict[str, Any]], last: dict[str, dict[str, Any]],
               orders: dict[str, dict[str, Any]]
               ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Evidence rows (one per workflow that breaks a law) and the totals of each law.

    `orders`: each order's input (workflow id -> the Order Temporal recorded)."""
    rows: list[dict[str, Any]] = []
    totals: dict[str, Any] = {}
    for law in LAWS:
        law_rows, totals[law.name] = _judge(law, effects, last, orders)
        rows += law_rows
    return rows, totals


def _judge(law: Law, effects: list[dict[str, Any]], last: dict[str, dict[str, Any]],
           orders: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    moves: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for effect in effects:
        if effect.get("service") == law.service and effect.get("op") in (law.take, law.give_back):
            moves[str(effect.get("workflow_id"))][effect["op"]].append(effect)
    net_total = held_total = 0.0
    in_flight: list[str] = []
    unpriced: list[str] = []
    rows: list[dict[str, Any]] = []
    for wid, ops in sorted(moves.items()):
        record = last.get(wid) or {}
        status = record.get("status", "NOT FOUND")
        if status not in TERMINAL and status != "NOT FOUND":
            in_flight.append(wid)
            continue
        taken = sum(_amount(e, law.field) for e in ops[law.take])
        returned = sum(_amount(e, law.field) for e in ops[law.give_back])
        held = 0.0
        if status == "COMPLETED":
            price = _price(orders.get(wid), law.field)
            if price is None:
                unpriced.append(wid)
                continue
            held = price
        net_total += taken - returned
        held_total += held
        if abs(taken - returned - held) > EPSILON:
            rows.append({
                "workflow_id": wid, "law": law.name, "status": status,
                "expected": f"{law.take} - {law.give_back} = {held:g} (held by this order)",
                "observed": f"{law.take} {taken:g} - {law.give_back} {returned:g} = "
                            f"{taken - returned:g}",
                "effect_seqs": [e.get("seq") for e in ops[law.take] + ops[law.give_back]],
                "history": record.get("history_file"),
            })
    totals = {f"{law.take}_minus_{law.give_back}": round(net_total, 6),
              "held_by_completed": round(held_total, 6), "in_flight": len(in_flight),
              "unpriced": unpriced[:20], "unpriced_count": len(unpriced)}
    return rows, totals


def _amount(effect: dict[str, Any], field: str) -> float:
    data = effect.get("data") or {}
    try:
        return float(data.get(field) or 0)
    except (TypeError, ValueError):
        return 0.0


def _price(order: dict[str, Any] | None, field: str) -> float | None:
    """What a completed order holds (its price or quantity), from its recorded input."""
    if not isinstance(order, dict) or order.get(field) is None:
        return None
    try:
        return float(order[field])
    except (TypeError, ValueError):
        return None
