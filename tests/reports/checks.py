"""Reading report JSON in tests: run a report, find sections, check totals add up."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbo.emulator.reports import run_report
from tests.ledger.books import Books


def run(books: Books, name: str, **params: str) -> dict[str, Any]:
    with books.session(write=False) as s:
        return run_report(s, name, {k.lower(): v for k, v in params.items()})


def amount(value: str) -> Decimal:
    return Decimal(value) if value not in ("", None) else Decimal(0)


def rows_of(node: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = node.get("Rows", {}).get("Row", [])
    return rows


def group(report: dict[str, Any], name: str) -> dict[str, Any]:
    """The first section with this group, searched depth first."""
    stack = list(rows_of(report))
    while stack:
        row = stack.pop(0)
        if row.get("group") == name:
            return row
        stack[0:0] = rows_of(row)
    raise KeyError(name)


def summary(row: dict[str, Any], column: int = 1) -> Decimal:
    return amount(row["Summary"]["ColData"][column]["value"])


def money_columns(report: dict[str, Any]) -> list[int]:
    """Columns whose rows add up (running balances do not)."""
    return [
        i
        for i, c in enumerate(report["Columns"]["Column"])
        if c["ColType"] == "Money" and not c["MetaData"][-1]["Value"].startswith("rbal_")
    ]


def _value(row: dict[str, Any], column: int) -> Decimal:
    if row.get("type") == "Data":
        return amount(row["ColData"][column]["value"])
    if "Summary" in row:
        return amount(row["Summary"]["ColData"][column]["value"])
    return Decimal(0)


def check_totals(report: dict[str, Any], skip_columns: tuple[int, ...] = ()) -> int:
    """Every section's Summary equals its Header figure plus its rows; a GrandTotal equals
    the rows beside it. Returns how many sums were checked."""
    checked = 0
    columns = [c for c in money_columns(report) if c not in skip_columns]

    def walk(rows: list[dict[str, Any]]) -> None:
        nonlocal checked
        for row in rows:
            if row.get("group") == "GrandTotal":
                for c in columns:
                    expected = sum((_value(r, c) for r in rows if r is not row), Decimal(0))
                    assert _value(row, c) == expected, (row, c)
                    checked += 1
            inner = rows_of(row)
            if inner and "Summary" in row:
                walk(inner)
                for c in columns:
                    own = amount(
                        row.get("Header", {}).get("ColData", [{}] * (c + 1))[c].get("value", "")
                    )
                    expected = own + sum((_value(r, c) for r in inner), Decimal(0))
                    assert _value(row, c) == expected, (row.get("group"), row["Summary"], c)
                    checked += 1

    walk(rows_of(report))
    return checked
