"""Run a validated query over in-memory entity dicts, with QBO's semantics, in plain Python.

This is the reference meaning of a query: the emulator's differential tests compare its
database answers with this, and the client uses it to filter offline copies. So it is
written for obviousness, not speed. Rows are JSON-like dicts as QBO sends them: refs as
``{"value": id, ...}``, MetaData times as ISO strings with offsets, amounts as
Decimal/int (floats are tolerated), dates as ``YYYY-MM-DD``.

Semantics (QBO's documented ones, plus the choices its documentation leaves open, marked *):
* string and enum comparisons, LIKE and ordering are case-insensitive (:func:`fold`);
* LIKE knows only ``%`` (any run of characters); every other character is literal;
* Ids, reference Ids and SyncToken compare numerically when both are digits
  (``'9' < '10'``), and all-digit values sort before any other text*;
* a missing field (or JSON null) equals null (``= ' '``); any other comparison with a
  missing field is false; comparing with null using ``<``/``>``/... is false*;
* a stored value that cannot be read as the property's kind counts as missing*;
* dates compare as dates and datetimes as instants; naive datetimes (in the query or in
  a row) are read in ``zone`` (the company's zone; UTC unless given);
* name lists return only active rows unless the query filters on Active; a name-list row
  without ``Active`` counts as active everywhere (QBO's default, and it always sends it)*;
* default order: ascending numeric Id. ORDERBY keys apply in turn; missing values sort
  first ascending and last descending*; remaining ties by ascending numeric Id;
* STARTPOSITION is 1-based; MAXRESULTS defaults to 100; ``count(*)`` counts all matches,
  ignoring paging;
* a projection returns the named fields plus ``Id``, marked ``"sparse": true``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal, InvalidOperation
from typing import Any

from qbo.query.ast import Count, Op
from qbo.query.validate import Filter, Prop, Sort, ValidatedQuery, needs_active_filter
from qbo.query.values import (
    TEXT_KINDS,
    PyValue,
    fold,
    in_zone,
    is_id_like,
    read_date,
    read_datetime,
    read_decimal,
    read_time,
)
from qbo.schema.types import EntityDef, EntityKind, FieldDef, Kind

Row = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class QueryResult:
    """The answer to one query: a page of rows, or a count."""

    rows: tuple[dict[str, Any], ...]
    total_count: int | None  # set for count(*) only
    start_position: int

    def query_response(self, json_key: str) -> dict[str, Any]:
        """The ``QueryResponse`` object QBO would send (without the outer ``time``)."""
        if self.total_count is not None:
            return {"totalCount": self.total_count}
        if not self.rows:
            return {}
        return {
            json_key: list(self.rows),
            "startPosition": self.start_position,
            "maxResults": len(self.rows),
        }


def evaluate(
    validated: ValidatedQuery,
    rows: Iterable[Row],
    *,
    zone: tzinfo = UTC,
    active_only: bool | None = None,
) -> QueryResult:
    """Apply ``validated`` to ``rows`` (entities of the queried type).

    ``active_only`` overrides the name-list rule (None: apply it as QBO does).
    """
    hide_inactive = needs_active_filter(validated) if active_only is None else active_only
    defaults = _defaults(validated)
    tests = [_compile(f, zone, defaults) for f in validated.where]
    matched = [
        row
        for row in rows
        if (not hide_inactive or _is_active(row)) and all(test(row) for test in tests)
    ]
    if isinstance(validated.select, Count):
        return QueryResult((), len(matched), validated.start_position)
    matched.sort(key=lambda row: id_key(row.get("Id")))
    for order in reversed(validated.order_by):
        matched.sort(key=_sort_key(order, zone, defaults), reverse=order.descending)
    first = validated.start_position - 1
    page = matched[first : first + validated.max_results]
    if isinstance(validated.select, tuple):
        projected = tuple(project(row, validated.select) for row in page)
        return QueryResult(projected, None, validated.start_position)
    return QueryResult(tuple(dict(row) for row in page), None, validated.start_position)


def id_key(value: object) -> tuple[int, int, str]:
    """How Ids order: numerically when all digits, after that as folded text.

    All-digit ids compare as (length, digits) without leading zeros: the numeric order,
    without converting arbitrarily long client text to an int.
    """
    if value is None:
        return (2, 0, "")
    text = str(value)
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        return (0, len(digits), digits)
    return (1, 0, fold(text))


def lookup(row: Row, prop: Prop, defaults: Mapping[str, object] | None = None) -> object:
    """The raw value at the property's path (or its default), None when missing."""
    value: object = row
    for key in prop.path:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    if value is None and defaults:
        return defaults.get(prop.name)
    return value


def stored_defaults(entity: EntityDef) -> dict[str, object]:
    """Values a stored row implies when it omits them (or holds nothing readable):
    name lists are active by default. The emulator stores these in its query columns."""
    if entity.kind is EntityKind.NAME_LIST and "Active" in entity.fields:
        return {"Active": True}
    return {}


def _defaults(validated: ValidatedQuery) -> dict[str, object]:
    return stored_defaults(validated.entity)


def normalize_stored(raw: object, field: FieldDef, zone: tzinfo, default: object = None) -> Any:
    """A stored JSON value as a comparable Python value for ``field`` (None: missing).

    ``default`` stands in for a missing or unreadable value (see :func:`stored_defaults`).
    """
    value = comparable(raw, field.kind, zone, id_like=is_id_like(field))
    if value is None and default is not None:
        return comparable(default, field.kind, zone, id_like=is_id_like(field))
    return value


def comparable(raw: object, kind: Kind, zone: tzinfo, *, id_like: bool = False) -> Any:
    """A stored value of ``kind`` as a comparable Python value (None: missing or unreadable).

    ``id_like`` values become :func:`id_key` tuples; the emulator's query columns are
    encodings of exactly these values (:func:`qbo.emulator.store.tables.normalise`).
    """
    if raw is None:
        return None
    if kind is Kind.REF:
        raw = raw.get("value") if isinstance(raw, Mapping) else raw
        if raw is None or isinstance(raw, Mapping | list | bool):
            return None
        return id_key(raw)
    if kind in TEXT_KINDS:
        if isinstance(raw, Mapping | list | bool):
            return None
        return id_key(raw) if id_like else fold(str(raw))
    if kind in (Kind.DECIMAL, Kind.INTEGER):
        return _stored_decimal(raw)
    if kind is Kind.BOOLEAN:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and fold(raw) in ("true", "false"):
            return fold(raw) == "true"
        return None
    if kind is Kind.DATE:
        if isinstance(raw, datetime):
            return raw.date()
        if isinstance(raw, date):
            return raw
        return read_date(raw) if isinstance(raw, str) else None
    if kind is Kind.DATETIME:
        moment = raw if isinstance(raw, datetime) else None
        if isinstance(raw, str):
            moment = read_datetime(raw)
        return in_zone(moment, zone) if moment is not None else None
    if kind is Kind.TIME:
        if isinstance(raw, time):
            return raw
        return read_time(raw) if isinstance(raw, str) else None
    return None


def normalize_query_value(value: PyValue, field: FieldDef, zone: tzinfo) -> Any:
    """A validated query value in the same comparable form as :func:`normalize_stored`."""
    if value is None:
        return None
    if is_id_like(field) and isinstance(value, str):
        return id_key(value)
    if isinstance(value, str):
        return fold(value)
    if isinstance(value, datetime):
        return in_zone(value, zone)
    return value


def _stored_decimal(raw: object) -> Decimal | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, Decimal):
        return raw if raw.is_finite() else None
    if isinstance(raw, int):
        return Decimal(raw)
    if isinstance(raw, float):
        try:
            number = Decimal(repr(raw))
        except InvalidOperation:  # pragma: no cover - repr of a float always parses
            return None
        return number if number.is_finite() else None
    if isinstance(raw, str):
        return read_decimal(raw)
    return None


def like_regex(pattern: str) -> re.Pattern[str]:
    """LIKE as a regex over folded text: ``%`` is any run, everything else literal."""
    body = ".*".join(re.escape(part) for part in fold(pattern).split("%"))
    return re.compile(body, re.DOTALL)


def _compile(flt: Filter, zone: tzinfo, defaults: Mapping[str, object]) -> Callable[[Row], bool]:
    field = flt.prop.field
    prop = flt.prop

    default = defaults.get(prop.name)

    def stored(row: Row) -> Any:
        return normalize_stored(lookup(row, prop), field, zone, default)

    if flt.op is Op.LIKE:
        assert isinstance(flt.value, str)
        regex = like_regex(flt.value)

        def like(row: Row) -> bool:
            value = stored(row)
            return isinstance(value, str) and regex.fullmatch(value) is not None

        return like
    if flt.op is Op.IN:
        assert isinstance(flt.value, tuple)
        wanted = [normalize_query_value(v, field, zone) for v in flt.value]

        def in_list(row: Row) -> bool:
            value = stored(row)
            return any(_equal(value, w) for w in wanted)

        return in_list
    assert not isinstance(flt.value, tuple)
    target = normalize_query_value(flt.value, field, zone)
    op = flt.op

    def compare(row: Row) -> bool:
        value = stored(row)
        if op is Op.EQ:
            return _equal(value, target)
        if value is None or target is None:
            return False
        try:
            if op is Op.LT:
                return bool(value < target)
            if op is Op.GT:
                return bool(value > target)
            if op is Op.LE:
                return bool(value <= target)
            return bool(value >= target)
        except TypeError:  # e.g. a stored date against a datetime: not comparable
            return False

    return compare


def _equal(stored: Any, wanted: Any) -> bool:
    if stored is None or wanted is None:
        return stored is None and wanted is None
    try:
        return bool(stored == wanted)
    except TypeError:  # pragma: no cover - == between our value types never raises
        return False


def _is_active(row: Row) -> bool:
    # Missing or unreadable is active (the default): only a readable false hides a row.
    return comparable(row.get("Active"), Kind.BOOLEAN, UTC) is not False


def _sort_key(
    order: Sort, zone: tzinfo, defaults: Mapping[str, object]
) -> Callable[[Row], tuple[int, Any]]:
    default = defaults.get(order.prop.name)

    def key(row: Row) -> tuple[int, Any]:
        value = normalize_stored(lookup(row, order.prop), order.prop.field, zone, default)
        return (0, 0) if value is None else (1, value)

    return key


def project(row: Row, props: tuple[Prop, ...]) -> dict[str, Any]:
    """A projection row: the named fields plus ``Id``, marked ``sparse: true``."""
    out: dict[str, Any] = {}
    if "Id" in row:
        out["Id"] = row["Id"]
    for prop in props:
        value = lookup(row, prop)
        if value is None:
            continue
        target = out
        for key in prop.path[:-1]:
            existing = target.get(key)
            nested = dict(existing) if isinstance(existing, Mapping) else {}
            target[key] = nested  # a copy: never write into the caller's row
            target = nested
        target[prop.path[-1]] = value
    out["sparse"] = True
    return out
