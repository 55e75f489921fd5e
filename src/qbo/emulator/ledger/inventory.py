"""Inventory costing: first in, first out (QBO's method), replayed per item.

Quantities come in at their cost (purchases, the starting quantity, positive
adjustments) and go out at the cost of the oldest units left (sales, negative
adjustments). Because a back-dated purchase changes the cost of every later sale, the
whole history of an item is replayed whenever one of its movements changes, and the
cost rows that moved are rewritten. Selling more than is on hand is allowed (QBO warns but
posts): the missing units are costed at the last known unit cost, or the item's
PurchaseCost. Returns (credit memos, refunds) come back in at the last unit cost.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from qbo.emulator.ledger.entries import COGS, INV_IN, INV_OUT, item_rows
from qbo.emulator.store.session import Session
from qbo.emulator.values import dec

ZERO = Decimal(0)


@dataclass
class Replay:
    """The outcome for one item: rows whose cost changed, and what is on hand."""

    changes: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    qty: Decimal = ZERO
    value: int = 0


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def replay(s: Session, item_id: int) -> Replay:
    item = s.get("Item", item_id)
    last_cost = dec(item.get("PurchaseCost")) * 100 if item else ZERO  # cents per unit
    rows = item_rows(s, item_id)
    moves = sorted(
        (r for r in rows if r["role"] in (INV_IN, INV_OUT)),
        key=lambda r: (
            r["txn_date"],
            0 if r["role"] == INV_IN else 1,
            r["txn_type"],
            r["txn_id"],
            r["seq"],
        ),
    )
    pairs = {(r["txn_type"], r["txn_id"], r["seq"]): r for r in rows if r["role"] == COGS}
    lots: deque[list[Decimal]] = deque()
    out = Replay()

    def consume(qty: Decimal) -> Decimal:
        cost = ZERO
        while qty > 0 and lots:
            lot = lots[0]
            take = min(qty, lot[0])
            cost += take * lot[1]
            lot[0] -= take
            qty -= take
            if lot[0] <= 0:
                lots.popleft()
        return cost + qty * last_cost

    for move in moves:
        qty = dec(Decimal(move["qty"]) if move["qty"] is not None else None)
        out.qty += qty
        if move["role"] == INV_IN:
            if qty > 0:
                last_cost = Decimal(move["amount"]) / qty
                lots.append([qty, last_cost])
            elif qty < 0:
                consume(-qty)
            out.value += int(move["amount"])
            continue
        if qty < 0:
            amount = -_round(consume(-qty))
        else:
            amount = _round(qty * last_cost)
            if qty > 0:
                lots.append([qty, last_cost])
        out.value += amount
        if amount != move["amount"]:
            out.changes.append((move, amount))
            pair = pairs.get((move["txn_type"], move["txn_id"], move["seq"] + 1))
            if pair is not None:
                out.changes.append((pair, -amount))
    return out
