"""Interpreting query literals (and stored values) by a property's kind.

The parser keeps ``'300.00'`` as text because QBO lets numbers, dates and Ids all be
quoted; only the catalogue's :class:`~qbo.schema.types.Kind` says what the text means.
The same readers serve the evaluator, which must interpret row values (ISO strings in
JSON) exactly the way the query's values were interpreted, or comparisons would drift.

Datetime policy: a datetime literal without an offset (``'2026-01-31T10:00:00'``) and a
date-only literal for a datetime property (``'2026-01-31'``, meaning midnight) are left
*naive*; the executor applies the company's time zone (:func:`in_zone`). Everything
else keeps the offset it was written with, and datetimes compare as instants.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from qbo.query.ast import BooleanValue, NullValue, NumberValue, StringValue, Value
from qbo.schema.faults import Fault, FaultCode
from qbo.schema.types import FieldDef, Kind

PyValue: TypeAlias = str | Decimal | bool | date | datetime | time | None

_DECIMAL_RE = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*")
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_DATETIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,9})?)?"
    r"(?:[Zz]|[+-][0-9]{2}:?[0-9]{2})?)?"
)
_TIME_RE = re.compile(r"[0-9]{2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]{1,6})?)?")

TEXT_KINDS = frozenset({Kind.STRING, Kind.ENUM})


def is_id_like(field: FieldDef) -> bool:
    """Whether a property compares like an Id: numerically first (``'9' < '10'``).

    Ids, reference ids and id-typed strings do; so does ``SyncToken`` (a choice: QBO sends
    this version counter as a string, but ``'10' > '9'`` is what anyone comparing it
    means, and the emulator keeps it in an integer column). LIKE does not apply to them.
    """
    return field.kind is Kind.REF or field.type_name == "id" or field.name == "SyncToken"


def fold(text: str) -> str:
    """The case-insensitive form of a string, for comparing, LIKE and ordering.

    QBO compares strings case-insensitively on every path; emulator back ends should
    compare ``fold(x)`` (e.g. in a shadow column) so every database agrees.
    """
    return text.casefold()


def read_decimal(text: str) -> Decimal | None:
    """A plain decimal number (no exponent, no NaN), or None."""
    if _DECIMAL_RE.fullmatch(text) is None:
        return None
    try:
        return Decimal(text.strip())
    except InvalidOperation:  # pragma: no cover - the regex admits only valid numbers
        return None


def read_date(text: str) -> date | None:
    """``YYYY-MM-DD`` (a datetime's date part is accepted too), or None."""
    text = text.strip()
    if _DATE_RE.fullmatch(text) is not None:
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    moment = read_datetime(text)
    return moment.date() if moment is not None else None


def read_datetime(text: str) -> datetime | None:
    """ISO 8601 with ``Z``, ``±HH:MM`` or no offset (naive); a bare date is midnight."""
    text = text.strip()
    if _DATETIME_RE.fullmatch(text) is None:
        return None
    # fromisoformat wants at most 6 fractional digits; QBO never sends more, but be safe.
    text = re.sub(r"(\.[0-9]{6})[0-9]+", r"\1", text)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def read_time(text: str) -> time | None:
    text = text.strip()
    if _TIME_RE.fullmatch(text) is None:
        return None
    try:
        return time.fromisoformat(text)
    except ValueError:
        return None


def in_zone(moment: datetime, zone: tzinfo) -> datetime:
    """An aware datetime: a naive one is read as wall time in ``zone``."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=zone)


def number_text(value: Decimal) -> str:
    """A Decimal in plain notation (``1E+2`` would not read back as the same text)."""
    return format(value, "f")


def invalid_value(prop: str, text: str, what: str) -> Fault:
    shown = text if len(text) <= 40 else text[:40] + "..."
    return Fault.of(
        FaultCode.QUERY_INVALID,
        f"QueryValidationError: value '{shown}' is not a valid {what} for property '{prop}'",
    )


def to_python(value: Value, field: FieldDef, prop: str) -> PyValue:
    """The typed Python value a literal means for ``field``; 4001 when it cannot mean one.

    ``str`` for string, enum (canonical spelling when it matches a listed value), ref (the
    referenced Id) and Id fields; ``Decimal`` for decimal and integer; ``bool``; ``date``;
    ``datetime`` (maybe naive, see the module docstring); ``time``; None for null.
    """
    if isinstance(value, NullValue):
        return None
    kind = field.kind
    if kind in TEXT_KINDS or kind is Kind.REF:
        text = _as_text(value, field, prop)
        if kind is Kind.ENUM:
            folded = fold(text)
            for allowed in field.enum_values:
                if fold(allowed) == folded:
                    return allowed
        return text
    if kind in (Kind.DECIMAL, Kind.INTEGER):
        if isinstance(value, NumberValue):
            return value.value
        if isinstance(value, StringValue):
            number = read_decimal(value.text)
            if number is not None:
                return number
        raise invalid_value(prop, _raw(value), "number")
    if kind is Kind.BOOLEAN:
        if isinstance(value, BooleanValue):
            return value.value
        if isinstance(value, StringValue) and fold(value.text.strip()) in ("true", "false"):
            return fold(value.text.strip()) == "true"
        raise invalid_value(prop, _raw(value), "boolean (true or false)")
    if isinstance(value, StringValue):
        parsed: PyValue = None
        if kind is Kind.DATE:
            parsed = read_date(value.text)
        elif kind is Kind.DATETIME:
            parsed = read_datetime(value.text)
        elif kind is Kind.TIME:
            parsed = read_time(value.text)
        if parsed is not None:
            return parsed
    raise invalid_value(prop, _raw(value), kind.value)


def _as_text(value: Value, field: FieldDef, prop: str) -> str:
    if isinstance(value, StringValue):
        return value.text
    if isinstance(value, NumberValue):
        return number_text(value.value)
    if isinstance(value, BooleanValue):
        if field.kind is Kind.REF:
            raise invalid_value(prop, _raw(value), "reference Id")
        return "true" if value.value else "false"
    raise AssertionError("null is handled by the caller")  # pragma: no cover


def _raw(value: Value) -> str:
    if isinstance(value, StringValue):
        return value.text
    if isinstance(value, NumberValue):
        return number_text(value.value)
    if isinstance(value, BooleanValue):
        return "true" if value.value else "false"
    return " "  # pragma: no cover - null never fails
