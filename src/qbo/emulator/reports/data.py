"""What reports read from the ledger: sums by account (and a dimension), and raw rows.

Accrual figures come straight from SQL aggregates over ``ledger_entries``. Cash-basis
figures are the accrual rows transformed: invoices, credit memos, bills and vendor
credits post nothing when entered; instead, when a payment or bill payment is applied to
one, that document's income, expense, discount and tax rows are recognised on the
payment's date in proportion to the amount applied (QBO's cash basis). A/R and A/P keep
only what no document explains (unapplied payments, journal entries). Inventory and cost
of goods sold stay on the accrual dates.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import and_, func, select

from qbo.emulator.ledger.entries import AP, AR, COGS, INV_IN, INV_OUT
from qbo.emulator.reports.params import Params
from qbo.emulator.store.session import Session

OPEN_DOCS = ("Invoice", "CreditMemo", "Bill", "VendorCredit")
KEEP_ON_ACCRUAL = (INV_IN, INV_OUT, COGS)
DIMENSIONS = {
    "Customers": "customer_id",
    "Vendors": "vendor_id",
    "Classes": "class_id",
    "Departments": "department_id",
    "ProductsAndServices": "item_id",
}
FILTER_COLUMNS = {
    "customer": "customer_id",
    "vendor": "vendor_id",
    "item": "item_id",
    "class": "class_id",
    "department": "department_id",
}

Row = dict[str, Any]


def accounts(s: Session) -> dict[int, dict[str, Any]]:
    return {int(a["Id"]): a for a in s.all("Account")}


def by_name(accts: dict[int, dict[str, Any]]) -> list[int]:
    """Account ids in the order reports list accounts: by full name, then id."""
    return sorted(
        accts,
        key=lambda a: (
            str(accts[a].get("FullyQualifiedName") or accts[a].get("Name", "")).lower(),
            a,
        ),
    )


def _conditions(s: Session, p: Params, start: date | None, end: date | None) -> list[Any]:
    t = s.store.tables.ledger
    cond: list[Any] = [t.c.realm_id == s.realm.realm_id]
    if start is not None:
        cond.append(t.c.txn_date >= start.isoformat())
    if end is not None:
        cond.append(t.c.txn_date <= end.isoformat())
    for name, ids in p.filters.items():
        cond.append(t.c[FILTER_COLUMNS[name]].in_(sorted(ids)))
    return cond


def sums(
    s: Session, p: Params, start: date | None, end: date | None, dim: str | None = None
) -> dict[tuple[int, Any], int]:
    """Net debits by (account id, dimension value); dim is a ledger column or None."""
    if p.basis == "Cash":
        out: dict[tuple[int, Any], int] = defaultdict(int)
        for r in rows(s, p, start, end):
            out[(int(r["account_id"]), r[dim] if dim else None)] += int(r["amount"])
        return dict(out)
    t = s.store.tables.ledger
    keys = [t.c.account_id] + ([t.c[dim]] if dim else [])
    stmt = select(*keys, func.sum(t.c.amount)).where(and_(*_conditions(s, p, start, end)))
    result: dict[tuple[int, Any], int] = {}
    for found in s.conn.execute(stmt.group_by(*keys)):
        result[(int(found[0]), found[1] if dim else None)] = int(found[-1])
    return result


def rows(s: Session, p: Params, start: date | None, end: date | None) -> list[Row]:
    """Ledger rows dated in the range (cash basis: transformed), in date order."""
    t = s.store.tables.ledger
    if p.basis != "Cash":
        stmt = select(t).where(and_(*_conditions(s, p, start, end)))
        found = [dict(r) for r in s.conn.execute(stmt).mappings()]
    else:
        found = _cash_rows(s, p, start, end)
    found.sort(key=lambda r: (r["txn_date"], r["txn_type"], r["txn_id"], r["seq"]))
    return found


def _prorate(origin: list[Row], applied: int, total: int) -> list[int]:
    """Shares of ``-applied`` spread over the origin rows in proportion (sum exact)."""
    target = -applied
    if not origin or not total:
        return [0 for _ in origin]
    shares = [
        int(
            (Decimal(r["amount"]) * Decimal(applied) / Decimal(total)).quantize(
                Decimal(1), ROUND_HALF_UP
            )
        )
        for r in origin
    ]
    residual = target - sum(shares)
    if residual and shares:
        biggest = max(range(len(shares)), key=lambda i: abs(shares[i]))
        shares[biggest] += residual
    return shares


def _cash_rows(s: Session, p: Params, start: date | None, end: date | None) -> list[Row]:
    t = s.store.tables.ledger
    no_filter = Params(p.start, p.end, p.macro, p.basis, p.summarize, p.today, p.fiscal_month)
    base = [
        dict(r)
        for r in s.conn.execute(
            select(t).where(and_(*_conditions(s, no_filter, start, end)))
        ).mappings()
    ]
    out: list[Row] = []
    links: list[Row] = []
    for r in base:
        if r["txn_type"] in OPEN_DOCS and r["role"] not in KEEP_ON_ACCRUAL:
            continue
        is_link = (
            r["role"] in (AR, AP)
            and r["open_type"] in OPEN_DOCS
            and (r["open_type"], r["open_id"]) != (r["txn_type"], r["txn_id"])
        )
        if is_link:
            links.append(r)
            continue
        out.append(r)
    origins: dict[tuple[str, int], list[Row]] = defaultdict(list)
    wanted = {(r["open_type"], int(r["open_id"])) for r in links}
    for kind in {k for k, _ in wanted}:
        ids = sorted(i for k, i in wanted if k == kind)
        for chunk in range(0, len(ids), 500):
            part = ids[chunk : chunk + 500]
            stmt = select(t).where(
                t.c.realm_id == s.realm.realm_id, t.c.txn_type == kind, t.c.txn_id.in_(part)
            )
            for mapping in s.conn.execute(stmt).mappings():
                origins[(kind, int(mapping["txn_id"]))].append(dict(mapping))
    for link in links:
        rows_of = origins.get((link["open_type"], int(link["open_id"])), [])
        control = [
            r for r in rows_of if r["role"] in (AR, AP) and r["open_type"] == link["open_type"]
        ]
        other = [r for r in rows_of if r["role"] not in (AR, AP, *KEEP_ON_ACCRUAL)]
        total = sum(int(r["amount"]) for r in control)
        shares = _prorate(other, -int(link["amount"]), total)
        for origin_row, share in zip(other, shares, strict=True):
            out.append(
                {
                    **origin_row,
                    "txn_type": link["txn_type"],
                    "txn_id": link["txn_id"],
                    "txn_date": link["txn_date"],
                    "seq": 10_000 + int(link["seq"]) * 100 + int(origin_row["seq"]),
                    "amount": share,
                    "fx_amount": share,
                }
            )
    return [r for r in out if _matches(r, p)]


def _matches(r: Row, p: Params) -> bool:
    return all(r[FILTER_COLUMNS[name]] in ids for name, ids in p.filters.items())


def open_items(s: Session, role: str, as_of: date) -> list[Row]:
    """Open A/R or A/P documents as of a date: home open balance, original amount, due date.

    One row per open document with its party (customer or vendor), ordered by date.
    """
    t = s.store.tables.ledger
    origin = and_(t.c.txn_type == t.c.open_type, t.c.txn_id == t.c.open_id)
    party = t.c.customer_id if role == AR else t.c.vendor_id
    from sqlalchemy import case, literal

    zero = literal(0)
    stmt = (
        select(
            t.c.open_type,
            t.c.open_id,
            func.max(case((origin, party), else_=None)),
            func.max(party),
            func.sum(t.c.amount),
            func.sum(case((origin, t.c.amount), else_=zero)),
            func.max(t.c.due_date),
            func.max(case((origin, t.c.txn_date), else_=None)),
        )
        .where(
            t.c.realm_id == s.realm.realm_id,
            t.c.role == role,
            t.c.txn_date <= as_of.isoformat(),
        )
        .group_by(t.c.open_type, t.c.open_id)
        .having(func.sum(t.c.amount) != 0)
    )
    out = []
    for r in s.conn.execute(stmt):
        out.append(
            {
                "open_type": r[0],
                "open_id": int(r[1]),
                "party": r[2] if r[2] is not None else r[3],
                "open": int(r[4]),
                "original": int(r[5]),
                "due_date": r[6] or r[7],
                "txn_date": r[7] or r[6],
            }
        )
    out.sort(key=lambda o: (str(o["txn_date"]), o["open_type"], o["open_id"]))
    return out
