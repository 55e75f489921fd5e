"""How commands print records: a table on a terminal, JSON when piped, or as asked.

``--output table|json|csv|jsonl``. Tables show the fields people scan (ids, names, dates,
amounts), references by name, and money with two decimals; JSON keeps every field, with
money as exact numbers.
"""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

import typer

from qbo.schema import jsoncodec


class OutputFormat(StrEnum):
    table = "table"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"


OutputOption = Annotated[
    OutputFormat | None,
    typer.Option(
        "--output",
        "-o",
        help="table, json, csv or jsonl (default: table on a terminal, json when piped).",
        show_default=False,
    ),
]

#: Fields shown first in a table, when a record has them.
_PREFERRED = (
    "Id",
    "DocNumber",
    "DisplayName",
    "Name",
    "TxnDate",
    "DueDate",
    "CustomerRef",
    "VendorRef",
    "AccountType",
    "Type",
    "TotalAmt",
    "Balance",
    "CurrentBalance",
    "UnitPrice",
    "Active",
    "SyncToken",
)
_MONEY_SUFFIXES = ("Amt", "Amount", "Balance", "Total")
_MAX_COLUMNS = 8


def chosen(fmt: OutputFormat | None) -> OutputFormat:
    if fmt is not None:
        return fmt
    return OutputFormat.table if sys.stdout.isatty() else OutputFormat.json


def plain(value: Any) -> Any:
    """A model or any value as plain JSON-able data (Decimal kept)."""
    to_qbo = getattr(value, "to_qbo", None)
    if callable(to_qbo):
        return to_qbo()
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def cell(name: str, value: Any) -> str:
    """One table cell: references by name, money with two decimals, nested data elided."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        if "name" in value or "value" in value:
            return str(value.get("name") or value.get("value"))
        if "Address" in value:
            return str(value["Address"])
        return "{...}"
    if isinstance(value, list):
        return f"[{len(value)}]"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Decimal | int | float) and name.endswith(_MONEY_SUFFIXES):
        return money(Decimal(str(value)))
    return str(value)


def columns_of(records: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: list[str] = []
    for record in records:
        for key in record:
            if key not in seen:
                seen.append(key)
    preferred = [c for c in _PREFERRED if c in seen]
    if preferred:
        return preferred[:_MAX_COLUMNS]
    scalars = [c for c in seen if not any(isinstance(r.get(c), Mapping | list) for r in records)]
    return (scalars or seen)[:_MAX_COLUMNS]


def emit(
    records: Iterable[Any],
    fmt: OutputFormat | None,
    *,
    columns: Sequence[str] | None = None,
    title: str | None = None,
) -> None:
    """Print records (models or mappings) in the chosen format."""
    rows = [plain(r) for r in records]
    form = chosen(fmt)
    out = sys.stdout
    if form is OutputFormat.json:
        out.write(jsoncodec.dumps(rows, indent=2) + "\n")
    elif form is OutputFormat.jsonl:
        for row in rows:
            out.write(jsoncodec.dumps(row) + "\n")
    elif form is OutputFormat.csv:
        out.write(csv_text(rows, list(columns or _all_columns(rows))))
    else:
        _table(rows, list(columns or columns_of(rows)), title)


def emit_one(record: Any, fmt: OutputFormat | None) -> None:
    """One object: a two-column table of its fields, or its JSON."""
    data = plain(record)
    form = chosen(fmt)
    if form is OutputFormat.table and isinstance(data, Mapping):
        from rich.console import Console
        from rich.table import Table

        table = Table(show_header=False)
        for key, value in data.items():
            table.add_row(key, cell(key, value))
        Console().print(table)
    elif form is OutputFormat.json:
        sys.stdout.write(jsoncodec.dumps(data, indent=2) + "\n")
    else:
        emit([data], form)


def _all_columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Mapping | list):
        return jsoncodec.dumps(value)
    return str(value)


def _table(rows: list[Mapping[str, Any]], cols: list[str], title: str | None) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    for col in cols:
        numeric = any(
            isinstance(r.get(col), Decimal | int) and not isinstance(r.get(col), bool) for r in rows
        )
        table.add_column(col, justify="right" if numeric else "left", overflow="fold")
    for row in rows:
        table.add_row(*(cell(c, row.get(c)) for c in cols))
    console = Console()
    console.print(table)
    if not rows:
        console.print("(no rows)")


def csv_text(rows: Sequence[Mapping[str, Any]], cols: Sequence[str]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow([_csv_cell(row.get(c)) for c in cols])
    return buffer.getvalue()
