"""QBO's report date macros (Report.xsd ``DateMacro``), resolved on the company's calendar.

Weeks start on Sunday (QBO US). Fiscal quarters and years start in the company's first
month of the fiscal year (Preferences.AccountingInfoPrefs.FirstMonthOfFiscalYear). A
"-to-date" range of a past period ends on the same day of that period as today is of the
current one (clamped to the period's last day).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(d.day, _days_in(year, month + 1)))


def _days_in(year: int, month: int) -> int:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def month_start(d: date) -> date:
    return d.replace(day=1)


def month_end(d: date) -> date:
    return d.replace(day=_days_in(d.year, d.month))


def week_start(d: date) -> date:
    return d - timedelta(days=(d.weekday() + 1) % 7)


def period_start(d: date, months: int, first_month: int) -> date:
    """Start of the period of ``months`` months (3: quarter, 12: year) that holds ``d``."""
    offset = (d.month - first_month) % months
    return add_months(d.replace(day=1), -offset)


Range = tuple[date, date]


def _period(today: date, months: int, first: int, shift: int, to_date: bool) -> Range:
    start = add_months(period_start(today, months, first), shift * months)
    end = add_months(start, months) - timedelta(days=1)
    if to_date:
        end = min(end, add_months(today, shift * months))
    return start, end


def _week(today: date, shift: int, to_date: bool, weeks: int = 1) -> Range:
    start = week_start(today) + timedelta(weeks=shift)
    end = start + timedelta(days=7 * weeks - 1)
    if to_date:
        end = today + timedelta(weeks=shift)
    return start, end


def macros(today: date, fiscal_month: int) -> dict[str, Callable[[], Range]]:
    f = fiscal_month
    return {
        "all": lambda: (date(1900, 1, 1), today),
        "today": lambda: (today, today),
        "yesterday": lambda: (today - timedelta(days=1),) * 2,
        "this week": lambda: _week(today, 0, False),
        "this week-to-date": lambda: _week(today, 0, True),
        "last week": lambda: _week(today, -1, False),
        "last week-to-date": lambda: _week(today, -1, True),
        "next week": lambda: _week(today, 1, False),
        "next 4 weeks": lambda: _week(today, 1, False, 4),
        "this month": lambda: _period(today, 1, 1, 0, False),
        "this month-to-date": lambda: _period(today, 1, 1, 0, True),
        "last month": lambda: _period(today, 1, 1, -1, False),
        "last month-to-date": lambda: _period(today, 1, 1, -1, True),
        "next month": lambda: _period(today, 1, 1, 1, False),
        "this fiscal quarter": lambda: _period(today, 3, f, 0, False),
        "this fiscal quarter-to-date": lambda: _period(today, 3, f, 0, True),
        "last fiscal quarter": lambda: _period(today, 3, f, -1, False),
        "last fiscal quarter-to-date": lambda: _period(today, 3, f, -1, True),
        "next fiscal quarter": lambda: _period(today, 3, f, 1, False),
        "this fiscal year": lambda: _period(today, 12, f, 0, False),
        "this fiscal year-to-date": lambda: _period(today, 12, f, 0, True),
        "last fiscal year": lambda: _period(today, 12, f, -1, False),
        "last fiscal year-to-date": lambda: _period(today, 12, f, -1, True),
        "next fiscal year": lambda: _period(today, 12, f, 1, False),
        "this calendar quarter": lambda: _period(today, 3, 1, 0, False),
        "this calendar quarter-to-date": lambda: _period(today, 3, 1, 0, True),
        "last calendar quarter": lambda: _period(today, 3, 1, -1, False),
        "last calendar quarter-to-date": lambda: _period(today, 3, 1, -1, True),
        "next calendar quarter": lambda: _period(today, 3, 1, 1, False),
        "this calendar year": lambda: _period(today, 12, 1, 0, False),
        "this calendar year-to-date": lambda: _period(today, 12, 1, 0, True),
        "last calendar year": lambda: _period(today, 12, 1, -1, False),
        "last calendar year-to-date": lambda: _period(today, 12, 1, -1, True),
        "next calendar year": lambda: _period(today, 12, 1, 1, False),
    }


def resolve(macro: str, today: date, fiscal_month: int) -> Range | None:
    """The (start, end) of a macro (case-insensitive), or None when it is not one."""
    found = macros(today, fiscal_month).get(macro.strip().lower())
    return None if found is None else found()


def fiscal_year_start(d: date, fiscal_month: int) -> date:
    return period_start(d, 12, fiscal_month)


def buckets(start: date, end: date, by: str, fiscal_month: int) -> list[tuple[date, date, str]]:
    """Column periods for summarize_column_by Days, Week, Month, Quarter, Year (and fiscal)."""
    out: list[tuple[date, date, str]] = []
    cursor = start
    while cursor <= end and len(out) < 1000:
        if by == "Days":
            first, last = cursor, cursor
            title = f"{cursor:%b} {cursor.day}, {cursor.year}"
        elif by == "Week":
            first, last = week_start(cursor), week_start(cursor) + timedelta(days=6)
            title = f"{max(first, start):%b} {max(first, start).day} - {min(last, end):%b} {min(last, end).day}, {cursor.year}"
        elif by == "Month":
            first, last = month_start(cursor), month_end(cursor)
            title = f"{cursor:%b} {cursor.year}"
        elif by in ("Quarter", "FiscalQuarter"):
            first = period_start(cursor, 3, fiscal_month if by == "FiscalQuarter" else 1)
            last = add_months(first, 3) - timedelta(days=1)
            title = f"{first:%b} - {last:%b} {first.year}"
        else:
            first = period_start(cursor, 12, fiscal_month if by == "FiscalYear" else 1)
            last = add_months(first, 12) - timedelta(days=1)
            title = f"{first.year}" if by == "Year" else f"FY{last.year}"
        first, last = max(first, start), min(last, end)
        out.append((first, last, title))
        cursor = last + timedelta(days=1)
    return out
