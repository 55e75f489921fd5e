"""Receivables and payables: aging, balances by customer or vendor, summary and detail.

All are computed from the ledger's open items as of the report date (``report_date``, or
``end_date``, or the end of the date macro; default today), in home currency, always on
the accrual basis (as QBO's aging reports are). Aging counts days past the due date:
Current (not yet due), then ``num_periods - 1`` periods of ``aging_period`` days, then
"N and over". Unapplied payments and credits are open items too (negative), so the
aging total equals the A/R (or A/P) account balance.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from qbo.emulator.ledger.entries import AP, AR
from qbo.emulator.reports import data as ledger
from qbo.emulator.reports.params import Params
from qbo.emulator.reports.shape import Cell, Row, cell, column, data, money, report, section
from qbo.emulator.reports.txns import Txns
from qbo.emulator.store.session import Session


def _items(s: Session, p: Params, role: str) -> list[dict[str, Any]]:
    sign = 1 if role == AR else -1
    wanted = p.filters.get("customer" if role == AR else "vendor")
    out = []
    for item in ledger.open_items(s, role, p.end):
        if wanted is not None and item["party"] not in wanted:
            continue
        item["open"] *= sign
        item["original"] *= sign
        out.append(item)
    return out


def _bucket_titles(p: Params) -> list[tuple[str, str]]:
    titles = [("Current", "current")]
    low = 1
    for _ in range(p.num_periods - 1):
        high = low + p.aging_period - 1
        titles.append((f"{low} - {high}", f"{low}_{high}"))
        low = high + 1
    titles.append((f"{low} and over", f"{low}_over"))
    return titles


def _bucket(p: Params, due: str | None) -> int:
    if not due:
        return 0
    late = (p.end - date.fromisoformat(due)).days
    if late <= 0:
        return 0
    return min(1 + (late - 1) // p.aging_period, p.num_periods)


def _party_entity(role: str) -> str:
    return "Customer" if role == AR else "Vendor"


def _totals(
    label: str, blanks: int, amount: Any, open_amount: Any, trailing: int = 0
) -> list[Cell]:
    """A total row's cells: the label, blank columns, the amount and open balance totals."""
    return [
        cell(label),
        *[cell("") for _ in range(blanks)],
        cell(money(amount)),
        cell(money(open_amount)),
        *[cell("") for _ in range(trailing)],
    ]


def aged_summary(s: Session, p: Params, role: str, name: str) -> dict[str, Any]:
    titles = _bucket_titles(p)
    txns = Txns(s)
    per: dict[Any, list[int]] = {}
    for item in _items(s, p, role):
        vals = per.setdefault(item["party"], [0] * (len(titles) + 1))
        vals[_bucket(p, item["due_date"])] += item["open"]
        vals[-1] += item["open"]
    entity = _party_entity(role)
    ordered = sorted(
        per, key=lambda k: (txns.name_of(entity, k).lower() if k is not None else "", k or 0)
    )
    rows: list[Row] = []
    totals = [0] * (len(titles) + 1)
    for party in ordered:
        vals = per[party]
        if not any(vals):
            continue
        totals = [a + b for a, b in zip(totals, vals, strict=True)]
        rows.append(
            data([cell(txns.name_of(entity, party), party), *[cell(money(v)) for v in vals]])
        )
    rows.append(section(None, [], [cell("TOTAL"), *[cell(money(v)) for v in totals]], "GrandTotal"))
    first = column("", entity, "customer" if role == AR else "vendor")
    cols = [first, *[column(t, "Money", k) for t, k in titles], column("Total", "Money", "total")]
    return report(s, name, p, cols, rows, basis=False, extra={"ReportDate": p.end.isoformat()})


def aged_detail(s: Session, p: Params, role: str, name: str) -> dict[str, Any]:
    titles = _bucket_titles(p)
    txns = Txns(s)
    entity = _party_entity(role)
    groups: list[list[dict[str, Any]]] = [[] for _ in titles]
    for item in _items(s, p, role):
        groups[_bucket(p, item["due_date"])].append(item)
    rows: list[Row] = []
    grand_amount = grand_open = 0
    for (title, _), items in zip(titles, groups, strict=True):
        if not items:
            continue
        if p.descending:
            items = list(reversed(items))
        body = []
        amount = open_total = 0
        for item in items:
            kind, oid = item["open_type"], item["open_id"]
            party = item["party"]
            body.append(
                data(
                    [
                        cell(str(item["txn_date"] or "")),
                        cell(txns.label(kind, oid), oid),
                        cell(txns.number(kind, oid)),
                        cell(txns.name_of(entity, party), party),
                        cell(str(item["due_date"] or "")),
                        cell(money(item["original"])),
                        cell(money(item["open"])),
                    ]
                )
            )
            amount += item["original"]
            open_total += item["open"]
        grand_amount += amount
        grand_open += open_total
        label = title if title == "Current" else f"{title} days past due"
        rows.append(
            section(
                [cell(label), *[cell("") for _ in range(6)]],
                body,
                _totals(f"Total for {label}", 4, amount, open_total),
            )
        )
    rows.append(section(None, [], _totals("TOTAL", 4, grand_amount, grand_open), "GrandTotal"))
    cols = [
        column("Date", "Date", "tx_date"),
        column("Transaction Type", "String", "txn_type"),
        column("Num", "String", "doc_num"),
        column(entity, entity, "cust_name" if role == AR else "vend_name"),
        column("Due Date", "Date", "due_date"),
        column("Amount", "Money", "subt_amount"),
        column("Open Balance", "Money", "subt_open_bal"),
    ]
    return report(s, name, p, cols, rows, basis=False, extra={"ReportDate": p.end.isoformat()})


def balance_summary(s: Session, p: Params, role: str, name: str) -> dict[str, Any]:
    txns = Txns(s)
    entity = _party_entity(role)
    per: dict[Any, int] = {}
    for item in _items(s, p, role):
        per[item["party"]] = per.get(item["party"], 0) + item["open"]
    rows: list[Row] = []
    total = 0
    for party in sorted(
        per, key=lambda k: (txns.name_of(entity, k).lower() if k is not None else "", k or 0)
    ):
        if not per[party]:
            continue
        total += per[party]
        rows.append(data([cell(txns.name_of(entity, party), party), cell(money(per[party]))]))
    rows.append(section(None, [], [cell("TOTAL"), cell(money(total))], "GrandTotal"))
    cols = [
        column("", entity, "customer" if role == AR else "vendor"),
        column("Total", "Money", "total"),
    ]
    return report(s, name, p, cols, rows, basis=False)


def balance_detail(s: Session, p: Params, role: str, name: str) -> dict[str, Any]:
    txns = Txns(s)
    entity = _party_entity(role)
    per: dict[Any, list[dict[str, Any]]] = {}
    for item in _items(s, p, role):
        per.setdefault(item["party"], []).append(item)
    rows: list[Row] = []
    grand_amount = grand_open = 0
    for party in sorted(
        per, key=lambda k: (txns.name_of(entity, k).lower() if k is not None else "", k or 0)
    ):
        body = []
        running = amount = 0
        for item in per[party]:
            kind, oid = item["open_type"], item["open_id"]
            running += item["open"]
            amount += item["original"]
            body.append(
                data(
                    [
                        cell(str(item["txn_date"] or "")),
                        cell(txns.label(kind, oid), oid),
                        cell(txns.number(kind, oid)),
                        cell(str(item["due_date"] or "")),
                        cell(money(item["original"])),
                        cell(money(item["open"])),
                        cell(money(running)),
                    ]
                )
            )
        grand_amount += amount
        grand_open += running
        label = txns.name_of(entity, party)
        rows.append(
            section(
                [cell(label, party), *[cell("") for _ in range(6)]],
                body,
                _totals(f"Total for {label}", 3, amount, running, trailing=1),
            )
        )
    rows.append(
        section(None, [], _totals("TOTAL", 3, grand_amount, grand_open, trailing=1), "GrandTotal")
    )
    cols = [
        column("Date", "Date", "tx_date"),
        column("Transaction Type", "String", "txn_type"),
        column("Num", "String", "doc_num"),
        column("Due Date", "Date", "due_date"),
        column("Amount", "Money", "subt_amount"),
        column("Open Balance", "Money", "subt_open_bal"),
        column("Balance", "Money", "rbal_open_bal"),
    ]
    return report(s, name, p, cols, rows, basis=False)


def receivables(kind: str) -> Any:
    role = AR
    return {
        "AgedReceivables": lambda s, p: aged_summary(s, p, role, "AgedReceivables"),
        "AgedReceivableDetail": lambda s, p: aged_detail(s, p, role, "AgedReceivableDetail"),
        "CustomerBalance": lambda s, p: balance_summary(s, p, role, "CustomerBalance"),
        "CustomerBalanceDetail": lambda s, p: balance_detail(s, p, role, "CustomerBalanceDetail"),
    }[kind]


def payables(kind: str) -> Any:
    role = AP
    return {
        "AgedPayables": lambda s, p: aged_summary(s, p, role, "AgedPayables"),
        "AgedPayableDetail": lambda s, p: aged_detail(s, p, role, "AgedPayableDetail"),
        "VendorBalance": lambda s, p: balance_summary(s, p, role, "VendorBalance"),
        "VendorBalanceDetail": lambda s, p: balance_detail(s, p, role, "VendorBalanceDetail"),
    }[kind]
