"""Ledger rows: what a posting is, and how rows are read and written.

Amounts are integer cents (exact, and summed by the database as integers), debit
positive. ``amount`` is in the home currency, ``fx_amount`` in the transaction's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from typing import Any

from sqlalchemy import (
    and_,
    bindparam,
    case,
    delete,
    func,
    literal,
    literal_column,
    select,
    update,
)

from qbo.emulator.store.session import Session

CENTS = Decimal(100)

#: Roles: control rows whose open balance documents track, and inventory movements.
AR, AP, UF = "ar", "ap", "uf"
INV_IN, INV_OUT, COGS, TAX, FX = "inv_in", "inv_out", "cogs", "tax", "fx"


def to_cents(value: Decimal) -> int:
    return int((value * CENTS).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_cents(value: int) -> Decimal:
    """Cents back to a tidy Decimal (``12345`` -> ``123.45``, ``500`` -> ``5``)."""
    d = Decimal(value) / CENTS
    return d.quantize(Decimal(1)) if d == d.to_integral_value() else d.normalize()


def home_cents(fx_cents: int, rate: Decimal) -> int:
    if rate == 1:
        return fx_cents
    return int((Decimal(fx_cents) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Entry:
    """One posting of a transaction (the transaction's own fields are added when stored)."""

    account_id: int
    fx_amount: int
    home: int | None = None  # set when the home amount is not fx_amount x the txn's rate
    role: str | None = None
    line_id: str | None = None
    customer_id: int | None = None
    vendor_id: int | None = None
    item_id: int | None = None
    class_id: int | None = None
    department_id: int | None = None
    qty: Decimal | None = None
    open_type: str | None = None
    open_id: int | None = None
    due_date: str | None = None
    memo: str | None = None
    amount: int = field(default=0)  # home cents, filled by the booking step


@dataclass(frozen=True)
class TxnKey:
    txn_type: str
    txn_id: int
    txn_date: str
    currency: str


def moves_of(t: Any) -> Any:
    """Inventory movement rows, written exactly as ``ix_ledger_item``'s WHERE clause."""
    return t.c.role.in_([literal_column(f"'{role}'") for role in (INV_IN, INV_OUT, COGS)])


def _table(s: Session) -> Any:
    return s.store.tables.ledger


@dataclass(frozen=True)
class _Statements:
    """Prepared statements (bound parameters only), built once per ledger table."""

    load: Any
    remove: Any
    set_amount: Any
    open_parts: Any
    open_links: Any
    item_rows: Any


@cache
def _statements(t: Any) -> _Statements:
    realm = t.c.realm_id == bindparam("k_realm")
    txn = and_(realm, t.c.txn_type == bindparam("k_type"), t.c.txn_id == bindparam("k_id"))
    row_key = and_(txn, t.c.seq == bindparam("k_seq"))
    open_doc = and_(
        realm,
        t.c.open_type == bindparam("k_open_type"),
        t.c.open_id == bindparam("k_open_id"),
        t.c.role == bindparam("k_role"),
    )
    origin = and_(t.c.txn_type == t.c.open_type, t.c.txn_id == t.c.open_id)
    skip = ~and_(t.c.txn_type == bindparam("k_skip_type"), t.c.txn_id == bindparam("k_skip_id"))
    zero = literal(0)
    return _Statements(
        load=select(t).where(txn).order_by(t.c.seq),
        remove=delete(t).where(txn),
        set_amount=update(t)
        .where(row_key)
        .values(amount=bindparam("k_amount"), fx_amount=bindparam("k_amount")),
        open_parts=select(
            func.coalesce(func.sum(case((origin, t.c.fx_amount), else_=zero)), 0),
            func.coalesce(func.sum(case((origin, t.c.amount), else_=zero)), 0),
            func.coalesce(func.sum(case((origin, zero), else_=t.c.fx_amount)), 0),
            func.coalesce(func.sum(case((origin, zero), else_=t.c.amount)), 0),
        ).where(open_doc, skip),
        # No GROUP BY or ORDER BY here: SQLite would satisfy them by walking the primary
        # key over the whole realm instead of using ix_ledger_open.
        open_links=select(t.c.txn_type, t.c.txn_id).where(open_doc, ~origin),
        # The same literal IN list as the partial index ix_ledger_item, so it is used.
        item_rows=select(t).where(realm, t.c.item_id == bindparam("k_item"), moves_of(t)),
    )


def _run(s: Session, name: str, **params: Any) -> Any:
    statement = getattr(_statements(_table(s)), name)
    return s.conn.execute(statement, {"k_realm": s.realm.realm_id, **params})


def load(s: Session, txn_type: str, txn_id: int) -> list[dict[str, Any]]:
    """The stored rows of one transaction, in posting order."""
    return [dict(r) for r in _run(s, "load", k_type=txn_type, k_id=txn_id).mappings()]


def remove(s: Session, txn_type: str, txn_id: int) -> None:
    _run(s, "remove", k_type=txn_type, k_id=txn_id)


def to_row(s: Session, key: TxnKey, seq: int, e: Entry) -> dict[str, Any]:
    return {
        "realm_id": s.realm.realm_id,
        "txn_type": key.txn_type,
        "txn_id": key.txn_id,
        "seq": seq,
        "line_id": e.line_id,
        "txn_date": key.txn_date,
        "account_id": e.account_id,
        "amount": e.amount,
        "fx_amount": e.fx_amount,
        "currency": key.currency,
        "role": e.role,
        "customer_id": e.customer_id,
        "vendor_id": e.vendor_id,
        "item_id": e.item_id,
        "class_id": e.class_id,
        "department_id": e.department_id,
        "qty": None if e.qty is None else str(e.qty),
        "open_type": e.open_type,
        "open_id": e.open_id,
        "due_date": e.due_date,
        "memo": e.memo,
    }


def write(s: Session, rows: list[dict[str, Any]]) -> None:
    s.insert_rows(_table(s), rows)


def set_amount(s: Session, row: dict[str, Any], amount: int) -> None:
    """Change one stored row's home and transaction amounts (inventory re-costing)."""
    _run(
        s,
        "set_amount",
        k_type=row["txn_type"],
        k_id=row["txn_id"],
        k_seq=row["seq"],
        k_amount=amount,
    )


def open_parts(
    s: Session, role: str, open_type: str, open_id: int, exclude: tuple[str, int] | None = None
) -> tuple[int, int, int, int]:
    """Sums of the rows that move one open document, leaving out one transaction's rows.

    Returns (origin fx, origin home, others fx, others home): the document's own rows, and
    the rows of the payments, deposits... applied to it.
    """
    skip_type, skip_id = exclude if exclude is not None else ("", -1)
    row = _run(
        s,
        "open_parts",
        k_open_type=open_type,
        k_open_id=open_id,
        k_role=role,
        k_skip_type=skip_type,
        k_skip_id=skip_id,
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def open_links(s: Session, role: str, open_type: str, open_id: int) -> list[tuple[str, int]]:
    """Other transactions that move an open document (payments, deposits...), in id order."""
    rows = _run(s, "open_links", k_open_type=open_type, k_open_id=open_id, k_role=role)
    return sorted({(str(r[0]), int(r[1])) for r in rows})


def item_rows(s: Session, item_id: int) -> list[dict[str, Any]]:
    """Every inventory movement of one item and its paired cost rows."""
    return [dict(r) for r in _run(s, "item_rows", k_item=item_id).mappings()]
