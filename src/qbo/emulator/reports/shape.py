"""The JSON shape of a QBO report: Header, Columns, Rows of Sections and Data rows.

Amounts are strings with two decimals ("1234.50", "-12.00"); an empty cell is "". Every
column carries a ``ColKey`` in its MetaData. Timestamps inside detail rows are written
with the offset without a colon (``2026-11-26T09:01:18-0800``), as QBO does.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from qbo.emulator.reports.params import Params
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import meta_time, zone

Cell = dict[str, str]
Row = dict[str, Any]


def money(cents: int | None) -> str:
    return "" if cents is None else f"{Decimal(cents) / 100:.2f}"


def cell(value: str, object_id: str | int | None = None) -> Cell:
    out: Cell = {"value": value}
    if object_id is not None:
        out["id"] = str(object_id)
    return out


def column(
    title: str, kind: str, key: str, extra: list[dict[str, str]] | None = None
) -> dict[str, Any]:
    meta = [*(extra or []), {"Name": "ColKey", "Value": key}]
    return {"ColTitle": title, "ColType": kind, "MetaData": meta}


def data(cells: list[Cell]) -> Row:
    return {"ColData": cells, "type": "Data"}


def section(
    header: list[Cell] | None,
    rows: list[Row],
    summary: list[Cell] | None,
    group: str | None = None,
) -> Row:
    out: Row = {}
    if header is not None:
        out["Header"] = {"ColData": header}
    if rows:
        out["Rows"] = {"Row": rows}
    if summary is not None:
        out["Summary"] = {"ColData": summary}
    out["type"] = "Section"
    if group is not None:
        out["group"] = group
    return out


def detail_time(s: Session, value: str | None) -> str:
    """A MetaData time as detail rows write it: ``-0800`` instead of ``-08:00``."""
    if not value:
        return ""
    moment = datetime.fromisoformat(value).astimezone(zone(s.realm.timezone))
    return moment.strftime("%Y-%m-%dT%H:%M:%S%z")


def has_data(rows: list[Row]) -> bool:
    for row in rows:
        if row.get("type") == "Data":
            return True
        if has_data(row.get("Rows", {}).get("Row", [])):
            return True
    return False


def report(
    s: Session,
    name: str,
    p: Params,
    columns: list[dict[str, Any]],
    rows: list[Row],
    *,
    basis: bool = True,
    summarize: str | None = None,
    extra: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The whole report; ``Rows`` is empty and NoReportData true when nothing matched."""
    header: dict[str, Any] = {"Time": meta_time(s.now, s.realm.timezone), "ReportName": name}
    if p.macro is not None:
        header["DateMacro"] = p.macro.lower()
    if basis:
        header["ReportBasis"] = p.basis
    header["StartPeriod"] = p.start.isoformat()
    header["EndPeriod"] = p.end.isoformat()
    header["SummarizeColumnsBy"] = summarize or "Total"
    header["Currency"] = s.realm.currency
    for key, label in (
        ("customer", "Customer"),
        ("vendor", "Vendor"),
        ("item", "Item"),
        ("class", "Class"),
        ("department", "Department"),
    ):
        if key in p.filters:
            header[label] = ",".join(str(i) for i in sorted(p.filters[key]))
    header.update(extra or {})
    empty = not has_data(rows)
    header["Option"] = [
        {"Name": "AccountingStandard", "Value": "GAAP"},
        {"Name": "NoReportData", "Value": "true" if empty else "false"},
    ]
    return {
        "Header": header,
        "Columns": {"Column": columns},
        "Rows": {} if empty else {"Row": rows},
    }
