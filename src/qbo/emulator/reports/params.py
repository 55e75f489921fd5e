"""Report parameters: parsing, defaults and the faults for bad values.

QBO's exact fault for a bad report parameter is not documented; the emulator answers a
ValidationFault with code 2010 ("Request has invalid or unsupported property") whose
element names the parameter and whose Detail says what is wrong. An unknown report name
gets 6000 (see ``qbo.emulator.reports``). Parameters QBO documents but the emulator does
not use (``columns`` except on TransactionList, ``sort_by``...) are accepted and ignored,
as QBO ignores parameters a report does not know.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select

from qbo.emulator.reports.dates import MONTHS, fiscal_year_start, resolve
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import local_date
from qbo.schema.faults import Fault, FaultCode

#: ``summarize_column_by`` values that make one column per period.
BY_PERIOD = ("Days", "Week", "Month", "Quarter", "Year", "FiscalQuarter", "FiscalYear")
SUMMARIZE = (
    "Total",
    *BY_PERIOD,
    "Customers",
    "Vendors",
    "Classes",
    "Departments",
    "ProductsAndServices",
)
DEFAULT_MACRO = "This Fiscal Year-to-date"
FILTERS = ("customer", "vendor", "item", "class", "department")


def bad(param: str, detail: str) -> Fault:
    return Fault.of(
        FaultCode.INVALID_PROPERTY,
        f"Request has invalid or unsupported property: report parameter {param}: {detail}",
        element=param,
    )


@dataclass
class Params:
    start: date
    end: date
    macro: str | None
    basis: str
    summarize: str
    today: date
    fiscal_month: int
    filters: dict[str, frozenset[int]] = field(default_factory=dict)
    aging_period: int = 30
    num_periods: int = 4
    descending: bool = False
    columns: tuple[str, ...] = ()

    def fiscal_start(self, on: date) -> date:
        return fiscal_year_start(on, self.fiscal_month)


def _date(raw: str, param: str) -> date:
    try:
        return date.fromisoformat(raw.strip())
    except ValueError:
        raise bad(param, f"{raw!r} is not a date (YYYY-MM-DD)") from None


def _positive(raw: str | None, param: str, default: int) -> int:
    if raw is None or raw.strip() == "":
        return default
    if not raw.strip().isdigit() or not 0 < int(raw) <= 3650:
        raise bad(param, f"{raw!r} is not a whole number from 1 to 3650")
    return int(raw)


def _ledger_span(s: Session, today: date) -> tuple[date, date]:
    """ "All": from the first posting to the last one (or today, when later)."""
    t = s.store.tables.ledger
    first, last = s.conn.execute(
        select(func.min(t.c.txn_date), func.max(t.c.txn_date)).where(
            t.c.realm_id == s.realm.realm_id
        )
    ).one()
    start = date.fromisoformat(first) if first else today
    end = max(date.fromisoformat(last), today) if last else today
    return min(start, today), end


def fiscal_month(s: Session) -> int:
    prefs = s.preferences().get("AccountingInfoPrefs") or {}
    name = prefs.get("FirstMonthOfFiscalYear") if isinstance(prefs, dict) else None
    return MONTHS.index(name) + 1 if name in MONTHS else 1


def parse(s: Session, raw: dict[str, str]) -> Params:
    today = local_date(s.now, s.realm.timezone)
    fmonth = fiscal_month(s)
    macro = raw.get("date_macro")
    start_raw, end_raw = raw.get("start_date"), raw.get("end_date")
    report_date = raw.get("report_date")
    used_macro: str | None = None
    if start_raw or end_raw:
        end = _date(end_raw, "end_date") if end_raw else today
        start = _date(start_raw, "start_date") if start_raw else fiscal_year_start(end, fmonth)
    elif macro is not None and macro.strip():
        found = resolve(macro, today, fmonth)
        if found is None:
            raise bad("date_macro", f"{macro!r} is not one of QBO's date macros")
        (start, end), used_macro = found, macro.strip()
    elif report_date:
        end = _date(report_date, "report_date")
        start = fiscal_year_start(end, fmonth)
    else:
        found = resolve(DEFAULT_MACRO, today, fmonth)
        assert found is not None
        (start, end), used_macro = found, DEFAULT_MACRO
    if used_macro is not None and used_macro.lower() == "all":
        start, end = _ledger_span(s, today)
    if report_date and (start_raw or end_raw or macro):
        end = _date(report_date, "report_date")
    if start > end:
        raise bad("start_date", f"start_date {start} is after end_date {end}")
    prefs = s.preferences().get("ReportPrefs") or {}
    basis_default = prefs.get("ReportBasis", "Accrual") if isinstance(prefs, dict) else "Accrual"
    basis_raw = raw.get("accounting_method", basis_default) or basis_default
    basis = {"accrual": "Accrual", "cash": "Cash"}.get(basis_raw.strip().lower())
    if basis is None:
        raise bad("accounting_method", f"{basis_raw!r} is not Accrual or Cash")
    by_raw = (raw.get("summarize_column_by") or "Total").strip()
    summarize = next((v for v in SUMMARIZE if v.lower() == by_raw.lower()), None)
    if summarize is None:
        raise bad("summarize_column_by", f"{by_raw!r} is not one of {', '.join(SUMMARIZE)}")
    filters: dict[str, frozenset[int]] = {}
    for name in FILTERS:
        value = raw.get(name)
        if value is None or not value.strip():
            continue
        ids = [v.strip() for v in value.split(",") if v.strip()]
        if not all(v.isdigit() for v in ids):
            raise bad(name, f"{value!r} is not a comma-separated list of ids")
        filters[name] = frozenset(int(v) for v in ids)
    order = (raw.get("sort_order") or "ascend").strip().lower()
    if order not in ("ascend", "descend"):
        raise bad("sort_order", f"{order!r} is not ascend or descend")
    columns = tuple(c.strip() for c in (raw.get("columns") or "").split(",") if c.strip())
    return Params(
        start=start,
        end=end,
        macro=used_macro,
        basis=basis,
        summarize=summarize,
        today=today,
        fiscal_month=fmonth,
        filters=filters,
        aging_period=_positive(raw.get("aging_period"), "aging_period", 30),
        num_periods=_positive(raw.get("num_periods"), "num_periods", 4),
        descending=order == "descend",
        columns=columns,
    )
