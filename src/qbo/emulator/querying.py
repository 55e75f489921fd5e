"""The query endpoint: a validated query compiled to SQL over the entity tables.

Every value becomes a bound parameter, encoded exactly as the query columns are
(:func:`qbo.emulator.store.tables.encode` of the reference evaluator's reading), so the
database answers what :func:`qbo.query.evaluate` would: folded text, numeric-first ids,
dates as ISO text, datetimes as instants. ``tests/query_execution`` checks that agreement on
random companies and random queries, on SQLite and PostgreSQL.

Filters on the overlay's indexed properties use ``(realm_id, column, id)`` indexes; a
``LIKE 'prefix%'`` also gets a range condition so it can use them. A page is found on the
indexes alone (the ids), then only its documents are read.

Choices where QBO's behaviour is unknown (the evaluator makes the same ones):

* Only top-level properties and ``MetaData.CreateTime``/``LastUpdatedTime`` are
  queryable; a dotted path into another object (RecurringTransaction's ``Invoice.TxnDate``)
  is answered with 4001 "not queryable", as QBO does for any property it does not index.
* ``Id`` and ``SyncToken`` compare numerically; a value that is not all digits sorts after
  every stored one (as :func:`qbo.query.id_key` orders it).
* Amounts compare as double-precision numbers: exact for values of up to 15 significant
  digits (every amount QBO can hold); beyond that, two values may compare equal.
* Datetimes in documents compare to the millisecond (MetaData times have whole seconds);
  a query value with finer precision is compared exactly against them.
* Emulator limits (4001): at most :data:`MAX_TERMS` WHERE terms, :data:`MAX_IN_VALUES`
  values in one IN list and :data:`MAX_ORDER_KEYS` ORDERBY keys; a query containing a NUL
  character is a parse error (4000), since PostgreSQL cannot even compare with one.
* Entities with built-in objects (TaxCode's ``TAX`` and ``NON``, which have no rows) are
  answered by the reference evaluator over the rows plus the built-ins; their lists are
  small.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from simplejson import RawJSON
from sqlalchemy import ColumnElement, and_, false, func, or_, select, true
from sqlalchemy.sql.expression import literal
from sqlalchemy.sql.selectable import Select

from qbo.emulator.store.builtin import BUILTIN
from qbo.emulator.store.driver_sql import DriverStatement
from qbo.emulator.store.session import Session, clone
from qbo.emulator.store.tables import EPOCH, EntityTable, column_name, encode, normalise
from qbo.query import (
    Count,
    Filter,
    Op,
    Prop,
    QueryResult,
    Star,
    ValidatedQuery,
    needs_active_filter,
    parse_and_validate,
)
from qbo.query.evaluator import evaluate, normalize_query_value, project
from qbo.query.values import TEXT_KINDS, in_zone, is_id_like
from qbo.schema import Kind, Operation, jsoncodec
from qbo.schema.faults import Fault, FaultCode

MAX_TERMS = 100
MAX_IN_VALUES = 1000
MAX_ORDER_KEYS = 20
#: The largest value a BIGINT id column holds; larger all-digit ids match nothing.
MAX_INT_ID = 2**63 - 1
METADATA_COLUMNS = {"MetaData.CreateTime": "created_ms", "MetaData.LastUpdatedTime": "updated_ms"}


class Sem(Enum):
    """How a column's values compare, which decides how a query value is bound."""

    INT_ID = "int_id"  # Id, SyncToken: BIGINT columns
    DATETIME = "datetime"  # epoch milliseconds
    ENCODED = "encoded"  # everything else: the value's encoding compares as the value


@dataclass(frozen=True)
class Target:
    """The column a property is read from, and how it compares."""

    column: Any
    sem: Sem


@dataclass(frozen=True)
class CompiledQuery:
    """The SQL of one query, with bound parameters only.

    For count(*) only ``count`` is set; otherwise ``ids`` finds the page's ids (on the
    indexes) and ``page`` reads the page's documents in order.
    """

    where: ColumnElement[bool]
    count: Select[Any] | None
    ids: Select[Any] | None
    page: Select[Any] | None
    #: ``page`` run on the driver (see ``driver_sql``), when its values allow it.
    page_on_driver: DriverStatement | None = None


def not_queryable(prop: Prop) -> Fault:
    return Fault.of(
        FaultCode.QUERY_INVALID, f"QueryValidationError: property '{prop.name}' is not queryable"
    )


def target(et: EntityTable, prop: Prop) -> Target:
    """The column for ``prop`` (4001 when the emulator keeps none: nested properties)."""
    t = et.table
    if prop.name == "Id":
        return Target(t.c.id, Sem.INT_ID)
    if prop.name == "SyncToken":
        return Target(t.c.sync_token, Sem.INT_ID)
    meta = METADATA_COLUMNS.get(prop.name)
    if meta is not None:
        return Target(t.c[meta], Sem.DATETIME)
    name = column_name(prop.name)
    if len(prop.path) != 1 or name not in t.c:
        raise not_queryable(prop)
    return Target(t.c[name], Sem.DATETIME if prop.field.kind is Kind.DATETIME else Sem.ENCODED)


# -- values -------------------------------------------------------------------------------
# A bound value is the column value, or one of two markers for values no stored row can
# equal: BEYOND (an Id past every stored one: not all digits, or too large) and, for
# datetimes, a (milliseconds, False) pair for a value between two stored milliseconds.


class _Beyond:
    """An Id value after every stored Id."""


BEYOND = _Beyond()


def _int_id(value: object) -> int | _Beyond:
    text = str(value)
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        if len(digits) <= 19 and int(digits) <= MAX_INT_ID:
            return int(digits)
    return BEYOND


def _datetime_ms(value: datetime, zone: str) -> tuple[int, bool]:
    """Epoch milliseconds rounded down, and whether that was exact (integer arithmetic)."""
    delta = in_zone(value, ZoneInfo(zone)) - EPOCH
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    ms, rest = divmod(micros, 1000)
    return ms, rest == 0


def _encoded(prop: Prop, value: Any, zone: str) -> Any:
    """A typed query value as its column's encoding (ids and refs as id text)."""
    return encode(normalize_query_value(value, prop.field, ZoneInfo(zone)))


def _compare(column: Any, op: Op, value: Any) -> ColumnElement[bool]:
    bound = literal(value, column.type)
    if op is Op.EQ:
        return column == bound  # type: ignore[no-any-return]
    if op is Op.LT:
        return column < bound  # type: ignore[no-any-return]
    if op is Op.GT:
        return column > bound  # type: ignore[no-any-return]
    if op is Op.LE:
        return column <= bound  # type: ignore[no-any-return]
    return column >= bound  # type: ignore[no-any-return]


def _single(tg: Target, flt: Filter, value: Any, zone: str) -> ColumnElement[bool]:
    """``column op value`` for one non-null value."""
    column, op = tg.column, flt.op
    if tg.sem is Sem.INT_ID:
        number = _int_id(value)
        if isinstance(number, _Beyond):  # after every stored id (ids are never null)
            return true() if op in (Op.LT, Op.LE) else false()
        return _compare(column, op, number)
    if tg.sem is Sem.DATETIME:
        assert isinstance(value, datetime)
        ms, exact = _datetime_ms(value, zone)
        if exact:
            return _compare(column, op, ms)
        # Between two stored milliseconds: nothing equals it, and < / <= (> / >=) mean
        # "at or before" ("after") the millisecond below it.
        if op is Op.EQ:
            return false()
        return _compare(column, Op.LE if op in (Op.LT, Op.LE) else Op.GT, ms)
    return _compare(column, op, _encoded(flt.prop, value, zone))


def _in_list(tg: Target, flt: Filter, zone: str) -> ColumnElement[bool]:
    assert isinstance(flt.value, tuple)
    concrete: list[Any] = []
    with_null = False
    for value in flt.value:
        if value is None:
            with_null = True
        elif tg.sem is Sem.INT_ID:
            number = _int_id(value)
            if not isinstance(number, _Beyond):
                concrete.append(number)
        elif tg.sem is Sem.DATETIME:
            assert isinstance(value, datetime)
            ms, exact = _datetime_ms(value, zone)
            if exact:
                concrete.append(ms)
        else:
            concrete.append(_encoded(flt.prop, value, zone))
    parts: list[ColumnElement[bool]] = []
    if concrete:
        parts.append(tg.column.in_(sorted(set(concrete), key=repr)))
    if with_null:
        parts.append(tg.column.is_(None))
    if not parts:
        return false()
    return parts[0] if len(parts) == 1 else or_(*parts)


def successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``.

    None when there is none (the prefix is all U+10FFFF). Surrogates are skipped: they
    cannot be stored, and they cannot be bound as UTF-8.
    """
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if code == 0xD800:
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return None


def _like(column: Any, pattern: str) -> ColumnElement[bool]:
    folded = normalise(Kind.STRING, pattern)
    assert isinstance(folded, str)
    if "%" not in folded:
        return column == literal(folded, column.type)  # type: ignore[no-any-return]
    # Only % is a wildcard in QBO: escape SQL's _ and the escape character itself.
    escaped = folded.replace("\\", "\\\\").replace("_", "\\_")
    condition: ColumnElement[bool] = column.like(literal(escaped, column.type), escape="\\")
    prefix = folded.split("%", 1)[0]
    if prefix:
        # The range lets both databases use the (realm_id, column, id) index for a prefix.
        bounds = [column >= literal(prefix, column.type)]
        upper = successor(prefix)
        if upper is not None:
            bounds.append(column < literal(upper, column.type))
        condition = and_(*bounds, condition)
    return condition


def condition(et: EntityTable, flt: Filter, zone: str) -> ColumnElement[bool]:
    """One WHERE term as SQL."""
    tg = target(et, flt.prop)
    if flt.op is Op.LIKE:
        assert isinstance(flt.value, str) and flt.prop.field.kind in TEXT_KINDS
        assert not is_id_like(flt.prop.field)  # validation refuses LIKE on ids
        return _like(tg.column, flt.value)
    if flt.op is Op.IN:
        assert isinstance(flt.value, tuple)
        if len(flt.value) > MAX_IN_VALUES:
            raise Fault.of(
                FaultCode.QUERY_INVALID,
                f"QueryValidationError: IN takes at most {MAX_IN_VALUES} values "
                f"(got {len(flt.value)} for '{flt.prop.name}')",
            )
        return _in_list(tg, flt, zone)
    assert not isinstance(flt.value, tuple)
    if flt.value is None:  # null: only = matches (a missing value); < > ... never do
        return tg.column.is_(None) if flt.op is Op.EQ else false()
    return _single(tg, flt, flt.value, zone)


# -- statements ------------------------------------------------------------------------------


def _check_limits(validated: ValidatedQuery) -> None:
    if len(validated.where) > MAX_TERMS:
        raise Fault.of(
            FaultCode.QUERY_INVALID,
            f"QueryValidationError: at most {MAX_TERMS} WHERE terms (got {len(validated.where)})",
        )
    if len(validated.order_by) > MAX_ORDER_KEYS:
        raise Fault.of(
            FaultCode.QUERY_INVALID,
            f"QueryValidationError: at most {MAX_ORDER_KEYS} ORDERBY keys (got {len(validated.order_by)})",
        )


def compile_query(
    source: Session | EntityTable,
    validated: ValidatedQuery,
    *,
    realm_id: str | None = None,
    zone: str = "UTC",
) -> CompiledQuery:
    """The SQL for ``validated`` in one realm (a session's, or ``realm_id`` with a table)."""
    if isinstance(source, Session):
        et = source.table(validated.entity_name)
        realm_id = source.realm.realm_id
        zone = source.realm.timezone
    else:
        et = source
    if realm_id is None:
        raise ValueError("compile_query on a table needs realm_id")
    _check_limits(validated)
    t = et.table
    conditions: list[ColumnElement[bool]] = [t.c.realm_id == literal(realm_id, t.c.realm_id.type)]
    active = column_name("Active")
    if needs_active_filter(validated) and active in t.c:
        # Name-list rows store Active's default (true) when they lack it, so an equality
        # says it all, and the (realm_id, Active, id) index can serve a page in id order.
        conditions.append(t.c[active] == literal(True, t.c[active].type))
    conditions.extend(condition(et, flt, zone) for flt in validated.where)
    where = and_(*conditions)
    if isinstance(validated.select, Count):
        return CompiledQuery(where, select(func.count()).select_from(t).where(where), None, None)
    order: list[Any] = []
    for sort in validated.order_by:
        column = target(et, sort.prop).column
        # Missing values first ascending, last descending (as the evaluator orders them).
        order.append(column.desc().nulls_last() if sort.descending else column.asc().nulls_first())
    order.append(t.c.id.asc())
    ids = (
        select(t.c.id)
        .where(where)
        .order_by(*order)
        .offset(validated.start_position - 1)
        .limit(validated.max_results)
    )
    page_ids = ids.subquery()
    page = (
        select(t.c.doc)
        .join(page_ids, t.c.id == page_ids.c.id)
        .where(t.c.realm_id == literal(realm_id, t.c.realm_id.type))
        .order_by(*order)
    )
    on_driver = None
    if isinstance(source, Session):
        on_driver = DriverStatement.bound(page, source.store.engine.dialect)
    return CompiledQuery(where, None, ids, page, on_driver)


def compiled_for(s: Session, validated: ValidatedQuery) -> CompiledQuery:
    """:func:`compile_query` in the session's realm, built once per query and realm."""
    key = ("query", validated, s.realm.realm_id, s.realm.timezone)
    try:
        hash(key)
    except TypeError:  # a value the query holds cannot be a key: build it every time
        return compile_query(s, validated)
    return s.store.statement(key, lambda: compile_query(s, validated))


def _builtins(entity: str) -> list[dict[str, Any]]:
    return [clone(doc) for (name, _), doc in BUILTIN.items() if name == entity]


def run(s: Session, validated: ValidatedQuery) -> QueryResult:
    """Execute a validated query in the session's realm."""
    builtins = _builtins(validated.entity_name)
    if builtins:
        _check_limits(validated)
        for flt in validated.where:  # the same 4001s as the SQL path
            condition(s.table(validated.entity_name), flt, s.realm.timezone)
        for sort in validated.order_by:
            target(s.table(validated.entity_name), sort.prop)
        rows = s.all(validated.entity_name) + builtins
        return evaluate(validated, rows, zone=ZoneInfo(s.realm.timezone))
    compiled = compiled_for(s, validated)
    if compiled.count is not None:
        total = s.conn.execute(compiled.count).scalar_one()
        return QueryResult((), int(total), validated.start_position)
    assert compiled.page is not None
    docs = tuple(jsoncodec.loads(r[0]) for r in s.conn.execute(compiled.page))
    if isinstance(validated.select, tuple):
        props = validated.select
        docs = tuple(project(doc, props) for doc in docs)
    return QueryResult(docs, None, validated.start_position)


#: Entities whose recorded row queries carry ``totalCount`` (the rows in the page) next to
#: startPosition and maxResults; QBO does not send it for every entity.
TOTAL_COUNTED = frozenset({"JournalEntry"})


def run_query(s: Session, text: str, *, raw_json: bool = False) -> dict[str, Any]:
    """The ``QueryResponse`` object for a query text (4000/4001 faults on bad queries).

    With ``raw_json``, whole entities (``SELECT *``) are the stored JSON text itself,
    wrapped as ``simplejson.RawJSON`` so :func:`qbo.schema.jsoncodec.dumps` writes them
    as they are: a read by query costs no parse and no re-encoding, like a read by id
    would if it could. The stored text is exactly what ``dumps`` makes of the entity (it
    was written by it), so the bytes on the wire are the same either way. Callers that
    want dicts (tests, the evaluator comparison) leave it off.
    """
    if "\x00" in text:
        raise Fault.of(
            FaultCode.QUERY_PARSE, "QueryParserError: Encountered a NUL character in the query"
        )
    validated = parse_and_validate(text)
    if not validated.entity.allows(Operation.QUERY):
        raise Fault.of(
            FaultCode.QUERY_INVALID,
            f"QueryValidationError: {validated.entity_name} cannot be queried",
        )
    key = validated.entity.json_key
    if raw_json and isinstance(validated.select, Star) and not _builtins(validated.entity_name):
        compiled = compiled_for(s, validated)
        assert compiled.page is not None
        if compiled.page_on_driver is not None:
            texts = [row[0] for row in compiled.page_on_driver.all(s.conn, {})]
        else:
            texts = [row[0] for row in s.conn.execute(compiled.page)]
        if not texts:
            return {}
        answer: dict[str, Any] = {
            key: [RawJSON(t) for t in texts],
            "startPosition": validated.start_position,
            "maxResults": len(texts),
        }
    else:
        answer = run(s, validated).query_response(key)
    if validated.entity_name in TOTAL_COUNTED and key in answer:
        answer["totalCount"] = len(answer[key])
    return answer
