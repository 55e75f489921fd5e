"""QBO reports as a typed tree, flat records and CSV.

A report is ``Header`` (name, period, basis, options), ``Columns`` (title, type and a
``ColKey`` each) and ``Rows``: nested sections, each with an optional header row, rows,
and a summary (total) row; data rows hold one cell per column. Reports are the one place
QBO writes money as strings; cells of ``Money`` columns are parsed to ``Decimal`` here
(an empty cell is None).

``report.rows()`` flattens the tree into dicts keyed by column key, with the path of
section names (``section``) and the kind of row (``row_type``: ``Data`` or ``Summary``);
``report.to_csv()`` writes the same records.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, TypeAlias

from qbo.client.errors import ServiceError

ReportParam: TypeAlias = str | int | bool | date | Decimal | Sequence[str] | None
CellValue: TypeAlias = str | Decimal | None

SECTION_KEY = "section"
ROW_TYPE_KEY = "row_type"


@dataclass(frozen=True, slots=True)
class Column:
    title: str
    type: str
    key: str
    metadata: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_money(self) -> bool:
        return self.type.lower() == "money"


@dataclass(frozen=True, slots=True)
class Cell:
    """One ColData entry: the text as sent, the parsed value, and the linked object id."""

    text: str
    value: CellValue
    id: str | None = None
    href: str | None = None


@dataclass(frozen=True, slots=True)
class Row:
    """A ``Data`` row (``cells``) or a ``Section`` (``header``, ``rows``, ``summary``)."""

    type: str  # "Data" or "Section"
    cells: tuple[Cell, ...] = ()
    group: str | None = None
    header: tuple[Cell, ...] | None = None
    rows: tuple[Row, ...] = ()
    summary: tuple[Cell, ...] | None = None

    @property
    def title(self) -> str | None:
        """A section's name: its header's first cell, else its group."""
        if self.header and self.header[0].text:
            return self.header[0].text
        return self.group


@dataclass(frozen=True)
class ReportHeader:
    report_name: str | None
    time: str | None
    date_macro: str | None
    report_basis: str | None
    start_period: str | None
    end_period: str | None
    summarize_columns_by: str | None
    currency: str | None
    options: Mapping[str, str]
    raw: Mapping[str, Any]

    @property
    def no_report_data(self) -> bool:
        return self.options.get("NoReportData", "false").lower() == "true"


@dataclass(frozen=True)
class Report:
    header: ReportHeader
    columns: tuple[Column, ...]
    tree: tuple[Row, ...]
    raw: Mapping[str, Any]

    @property
    def name(self) -> str | None:
        return self.header.report_name

    def rows(self) -> list[dict[str, Any]]:
        """Data and summary rows as flat records keyed by column key."""
        out: list[dict[str, Any]] = []
        self._flatten(self.tree, (), out)
        return out

    def _record(self, cells: Sequence[Cell], path: tuple[str, ...], kind: str) -> dict[str, Any]:
        record: dict[str, Any] = {SECTION_KEY: path, ROW_TYPE_KEY: kind}
        for column, cell in zip(self.columns, cells, strict=False):
            record[column.key] = cell.value
        return record

    def _flatten(
        self, rows: Sequence[Row], path: tuple[str, ...], out: list[dict[str, Any]]
    ) -> None:
        for row in rows:
            if row.type == "Section":
                inner = (*path, row.title) if row.title else path
                self._flatten(row.rows, inner, out)
                if row.summary is not None:
                    out.append(self._record(row.summary, inner, "Summary"))
            else:
                out.append(self._record(row.cells, path, "Data"))

    def to_csv(self) -> str:
        """The flat records as CSV: section path (``A > B``), row type, then the columns."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow([SECTION_KEY, ROW_TYPE_KEY, *(c.key for c in self.columns)])
        for record in self.rows():
            values = [record.get(c.key) for c in self.columns]
            writer.writerow(
                [
                    " > ".join(record[SECTION_KEY]),
                    record[ROW_TYPE_KEY],
                    *("" if v is None else str(v) for v in values),
                ]
            )
        return buffer.getvalue()


_NON_WORD = re.compile(r"[^0-9a-zA-Z]+")


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _columns(raw: Any) -> tuple[Column, ...]:
    items = raw.get("Column", []) if isinstance(raw, Mapping) else []
    columns: list[Column] = []
    for index, item in enumerate(items if isinstance(items, list) else []):
        if not isinstance(item, Mapping):
            continue
        metadata = {
            str(m.get("Name")): str(m.get("Value"))
            for m in item.get("MetaData", []) or []
            if isinstance(m, Mapping)
        }
        title = str(item.get("ColTitle", "") or "")
        key = (
            metadata.get("ColKey") or _NON_WORD.sub("_", title).strip("_").lower() or f"col{index}"
        )
        columns.append(Column(title, str(item.get("ColType", "") or ""), key, metadata))
    return tuple(columns)


def _value(text: str, column: Column | None) -> CellValue:
    if column is not None and column.is_money:
        if not text.strip():
            return None
        try:
            return Decimal(text.replace(",", ""))
        except InvalidOperation:
            return text
    return text


def _cells(raw: Any, columns: Sequence[Column]) -> tuple[Cell, ...]:
    data = raw.get("ColData", []) if isinstance(raw, Mapping) else []
    cells: list[Cell] = []
    for index, item in enumerate(data if isinstance(data, list) else []):
        item = item if isinstance(item, Mapping) else {}
        text = str(item.get("value", "") or "")
        column = columns[index] if index < len(columns) else None
        cells.append(
            Cell(text, _value(text, column), _text(item.get("id")), _text(item.get("href")))
        )
    return tuple(cells)


def _rows(raw: Any, columns: Sequence[Column]) -> tuple[Row, ...]:
    items = raw.get("Row", []) if isinstance(raw, Mapping) else []
    rows: list[Row] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("type", "") or "")
        is_section = kind.lower() == "section" or (
            not kind and any(k in item for k in ("Header", "Rows", "Summary"))
        )
        if is_section:
            rows.append(
                Row(
                    "Section",
                    group=_text(item.get("group")),
                    header=_cells(item["Header"], columns) if "Header" in item else None,
                    rows=_rows(item.get("Rows"), columns),
                    summary=_cells(item["Summary"], columns) if "Summary" in item else None,
                )
            )
        else:
            rows.append(Row("Data", cells=_cells(item, columns), group=_text(item.get("group"))))
    return tuple(rows)


def parse_report(body: Any) -> Report:
    """A typed report from QBO's JSON."""
    if not isinstance(body, Mapping) or not isinstance(body.get("Header"), Mapping):
        raise ServiceError("unexpected response: expected a report (Header, Columns, Rows)")
    head = body["Header"]
    options = {
        str(o.get("Name")): str(o.get("Value"))
        for o in head.get("Option", []) or []
        if isinstance(o, Mapping)
    }
    header = ReportHeader(
        report_name=_text(head.get("ReportName")),
        time=_text(head.get("Time")),
        date_macro=_text(head.get("DateMacro")),
        report_basis=_text(head.get("ReportBasis")),
        start_period=_text(head.get("StartPeriod")),
        end_period=_text(head.get("EndPeriod")),
        summarize_columns_by=_text(head.get("SummarizeColumnsBy")),
        currency=_text(head.get("Currency")),
        options=options,
        raw=head,
    )
    columns = _columns(body.get("Columns"))
    return Report(header, columns, _rows(body.get("Rows"), columns), body)


def report_params(params: Mapping[str, ReportParam]) -> dict[str, str]:
    """Query parameters of a report request: dates ISO, booleans lower-case, lists joined."""
    out: dict[str, str] = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, date):
            out[name] = value.isoformat()
        elif isinstance(value, str | int | Decimal):
            out[name] = str(value)
        else:
            out[name] = ",".join(str(v) for v in value)
    return out
