"""The query endpoint: a validated query compiled to SQL over the entity tables.

Every value becomes a bound parameter, normalised exactly as the query columns are
(:func:`qbo.emulator.store.tables.normalise`), so the database answers what the reference
evaluator (:func:`qbo.query.evaluate`) would: folded text, numeric-first ids, dates as ISO
text, datetimes as instants. Filters hit indexed ``(realm_id, column, id)`` indexes;
a ``LIKE 'prefix%'`` also gets a range condition so it can use them. Pages are fetched
with a deferred join: the ids of the page are found on the indexes alone, then only those
documents are read.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, false, func, select
from sqlalchemy.sql.expression import literal

from qbo.emulator.domain.session import Session
from qbo.emulator.store.tables import EntityTable, column_name, normalise
from qbo.query import (
    Count,
    Filter,
    Op,
    Prop,
    QueryResult,
    ValidatedQuery,
    needs_active_filter,
    parse_and_validate,
)
from qbo.query.evaluator import project
from qbo.schema import Kind, Operation, jsoncodec
from qbo.schema.faults import Fault

#: Sorts after every other UTF-8 string, so ``prefix <= x < prefix + TOP`` bounds a prefix.
TOP = "\U0010ffff"
METADATA_COLUMNS = {"MetaData.CreateTime": "created_ms", "MetaData.LastUpdatedTime": "updated_ms"}


def _column(et: EntityTable, prop: Prop) -> Any:
    if prop.name == "Id":
        return et.table.c.id
    meta = METADATA_COLUMNS.get(prop.name)
    if meta is not None:
        return et.table.c[meta]
    return et.table.c[column_name(prop.name)]


def _value(prop: Prop, value: Any, zone: str) -> Any:
    """A query value in the stored column's form (None: matches nothing but NULL)."""
    if value is None:
        return None
    if prop.name == "Id":
        text = str(value)
        return int(text) if text.isascii() and text.isdigit() else _NO_MATCH
    kind = prop.field.kind
    if kind is Kind.DATETIME and isinstance(value, datetime):
        return normalise(
            kind, value if value.tzinfo else value.replace(tzinfo=ZoneInfo(zone)), zone
        )
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (date, time)) and not isinstance(value, datetime):
        return value.isoformat()
    return normalise(kind, value, zone)


_NO_MATCH = object()


def _like(column: Any, pattern: str) -> ColumnElement[bool]:
    folded = normalise(Kind.STRING, pattern)
    escaped = folded.replace("\\", "\\\\").replace("_", "\\_")
    condition: ColumnElement[bool] = column.like(escaped, escape="\\")
    prefix = folded.split("%", 1)[0]
    if prefix and "%" in folded:
        condition = and_(column >= prefix, column < prefix + TOP, condition)
    elif "%" not in folded:
        condition = column == folded
    return condition


def _condition(et: EntityTable, flt: Filter, zone: str) -> ColumnElement[bool]:
    column = _column(et, flt.prop)
    if flt.op is Op.LIKE:
        assert isinstance(flt.value, str)
        return _like(column, flt.value)
    if flt.op is Op.IN:
        assert isinstance(flt.value, tuple)
        values = [_value(flt.prop, v, zone) for v in flt.value]
        concrete = [v for v in values if v is not None and v is not _NO_MATCH]
        parts: list[ColumnElement[bool]] = []
        if concrete:
            parts.append(column.in_(concrete))
        if any(v is None for v in values):
            parts.append(column.is_(None))
        if not parts:
            return false()
        return parts[0] if len(parts) == 1 else parts[0] | parts[1]
    value = _value(flt.prop, flt.value, zone)
    if value is _NO_MATCH:
        return false()
    if value is None:
        return column.is_(None) if flt.op is Op.EQ else false()
    bound = literal(value, column.type)
    comparisons: dict[Op, ColumnElement[bool]] = {
        Op.EQ: column == bound,
        Op.LT: column < bound,
        Op.GT: column > bound,
        Op.LE: column <= bound,
        Op.GE: column >= bound,
    }
    return comparisons[flt.op]


def run(s: Session, validated: ValidatedQuery) -> QueryResult:
    """Execute a validated query in the session's realm."""
    et = s.table(validated.entity_name)
    t = et.table
    zone = s.realm.timezone
    conditions: list[ColumnElement[bool]] = [t.c.realm_id == s.realm.realm_id]
    if needs_active_filter(validated) and "Active" in validated.entity.fields:
        conditions.append(t.c[column_name("Active")].is_not(False))
    conditions.extend(_condition(et, flt, zone) for flt in validated.where)
    where = and_(*conditions)
    if isinstance(validated.select, Count):
        total = s.conn.execute(select(func.count()).select_from(t).where(where)).scalar_one()
        return QueryResult((), int(total), validated.start_position)
    order: list[Any] = []
    for sort in validated.order_by:
        column = _column(et, sort.prop)
        order.append(column.desc().nulls_last() if sort.descending else column.asc().nulls_first())
    order.append(t.c.id.asc())
    page_ids = (
        select(t.c.id)
        .where(where)
        .order_by(*order)
        .offset(validated.start_position - 1)
        .limit(validated.max_results)
    ).subquery()
    rows = s.conn.execute(
        select(t.c.doc)
        .join(page_ids, and_(t.c.id == page_ids.c.id))
        .where(t.c.realm_id == s.realm.realm_id)
        .order_by(*order)
    ).all()
    docs = tuple(jsoncodec.loads(r[0]) for r in rows)
    if isinstance(validated.select, tuple):
        props = validated.select
        docs = tuple(project(doc, props) for doc in docs)
    return QueryResult(docs, None, validated.start_position)


def run_query(s: Session, text: str) -> dict[str, Any]:
    """The ``QueryResponse`` object for a query text (4000/4001 faults on bad queries)."""
    validated = parse_and_validate(text)
    if not validated.entity.allows(Operation.QUERY):
        raise Fault.of("4001", f"QueryValidationError: {validated.entity_name} cannot be queried")
    return run(s, validated).query_response(validated.entity.json_key)
