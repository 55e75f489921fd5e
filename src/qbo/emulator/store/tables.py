"""Table definitions, generated for entities from the catalogue.

Each entity gets its own table: the document as JSON plus one *query column* per
filterable top-level property, holding a normalised value so that the query language can
compile to plain, indexable SQL that behaves the same on SQLite and PostgreSQL:

- strings and enums are stored case-folded with binary ("C") collation, so comparison,
  LIKE and ordering are case-insensitive and identical on both databases; reference ids
  as :func:`id_text` (numeric order first);
- money, other decimals and integers as double precision, booleans as BOOLEAN;
- dates as ``YYYY-MM-DD`` text (which sorts as dates); datetimes as epoch milliseconds.

Every value goes through the reference evaluator's reading (:func:`column_value`), so the
database and :func:`qbo.query.evaluate` agree on what a stored value means.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    bindparam,
    delete,
    insert,
    literal_column,
    select,
    update,
)
from sqlalchemy.sql.dml import Delete, Insert, Update
from sqlalchemy.sql.selectable import Select
from sqlalchemy.types import TypeEngine

from qbo.query.evaluator import comparable, normalize_stored, stored_defaults
from qbo.query.values import fold
from qbo.schema import EntityDef, FieldDef, Kind, catalogue
from qbo.schema.memo import remember

#: Text that sorts and compares byte-wise on PostgreSQL, as it does on SQLite.
CText: TypeEngine[str] = Text().with_variant(Text(collation="C"), "postgresql")

#: Properties with their own fixed columns rather than a query column.
FIXED = {"Id", "SyncToken", "MetaData", "domain", "sparse", "status"}


def column_name(prop: str) -> str:
    return "q_" + prop


def _sql_type(kind: Kind) -> TypeEngine[Any]:
    if kind in (Kind.DECIMAL, Kind.INTEGER):
        return Float()
    if kind is Kind.BOOLEAN:
        return Boolean()
    if kind is Kind.DATETIME:
        return BigInteger()
    return CText


def queryable_fields(entity: EntityDef) -> list[FieldDef]:
    """Top-level single-valued properties a WHERE or ORDERBY may name."""
    return [
        f
        for f in entity.fields.values()
        if f.name not in FIXED
        and not f.many
        and f.kind is not Kind.OBJECT
        and (f.filterable or f.sortable)
    ]


def id_text(value: Any) -> str:
    """Reference ids as text that sorts like the query language's Id order.

    Digits sort numerically and before any other text: ``9`` < ``10`` < ``USD``
    (:func:`qbo.query.id_key`); ``007`` is ``7``. Digit strings longer than 20 (no real id)
    sort after all shorter ones, by length and then digits, so the order stays numeric.
    """
    text = str(value)
    if text.isascii() and text.isdigit():
        digits = text.lstrip("0") or "0"
        if len(digits) <= 20:
            return "0" + digits.rjust(20, "0")
        return "0:" + f"{len(digits):06d}" + digits
    return "1" + fold(text)


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def encode(value: Any) -> Any:
    """A comparable value (:func:`qbo.query.evaluator.comparable`) as a query-column value.

    Each encoding keeps the comparable's order under plain SQL comparison on both
    databases: id keys as :func:`id_text`, text as is (already folded), decimals as
    doubles (exact to 15 significant digits), dates as ISO text, datetimes as epoch
    milliseconds (rounded down), times as ISO text.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, tuple):
        return id_text(value[2]) if value[0] == 0 else "1" + value[2]
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        return (value - EPOCH) // _MS
    if isinstance(value, date | time):
        return value.isoformat()
    return None


#: Query-column values of text, numbers, flags and references already worked out (dates,
#: enums, amounts and currency refs repeat across many rows), keyed by the field's identity,
#: zone, default and value; each entry holds its field and the value.
_KNOWN: dict[tuple[Any, ...], tuple[FieldDef, Any]] = {}
_KNOWN_MAX = 50_000
#: Numbers are remembered only for numeric fields, where equal values (1.0 and 1) encode
#: alike; a text field keeps their digits as written.
_NUMBERS = (Decimal, int)
_NUMERIC = (Kind.DECIMAL, Kind.INTEGER)
_REF_IDS = (str, type(None))


def column_value(field: FieldDef, value: Any, zone: str = "UTC", default: Any = None) -> Any:
    """The query-column value of ``field`` for a document's value (None: missing).

    ``default`` stands in for a missing or unreadable value, as the evaluator reads it
    (:func:`qbo.query.evaluator.stored_defaults`: a name list without Active is active).
    """
    if value is None and default is None:  # most fields of most documents: be quick
        return None
    kind = type(value)
    if kind is Decimal and not value.is_finite():  # NaN hashes by identity, sNaN not at all
        return encode(normalize_stored(value, field, _zone(zone), default))
    if kind is str or kind is bool or (kind in _NUMBERS and field.kind in _NUMERIC):
        key: tuple[Any, ...] = (id(field), zone, default, kind, value)
    elif kind is dict and field.kind is Kind.REF and type(value.get("value")) in _REF_IDS:
        key = (id(field), zone, default, kind, value.get("value"))  # a ref reads its value only
    else:
        return encode(normalize_stored(value, field, _zone(zone), default))
    known = _KNOWN.get(key)
    if known is not None and known[0] is field:
        return known[1]
    found = encode(normalize_stored(value, field, _zone(zone), default))
    # The entry keeps its field alive, so no other field can come to have its id.
    return remember(_KNOWN, key, (field, found), _KNOWN_MAX)[1]


def normalise(kind: Kind, value: Any, zone: str = "UTC") -> Any:
    """The query-column value for a property value of ``kind`` as it appears in a document.

    Built on :func:`qbo.query.evaluator.comparable`, so SQL and the reference evaluator
    read every stored value alike: folded text, numeric-first ids, dates as ISO text,
    datetimes as instants (naive ones read in the company's zone), unreadable values as
    missing. References are ids; for id-typed string fields use :func:`column_value`.
    """
    return encode(comparable(value, kind, _zone(zone), id_like=kind is Kind.REF))


@dataclass(frozen=True)
class EntityTable:
    """One entity's table, how to turn a document into a row, and prepared statements.

    The statements use bound parameters only, so SQLAlchemy compiles each once and the
    per-request cost is just execution.
    """

    entity: EntityDef
    table: Table
    fields: tuple[FieldDef, ...]
    insert_row: Insert = field(init=False)
    update_row: Update = field(init=False)
    delete_row: Delete = field(init=False)
    select_doc: Select[Any] = field(init=False)
    _find: dict[str, Select[Any]] = field(init=False, default_factory=dict)
    #: Every query column empty, in column order (a row starts from a copy).
    _empty: dict[str, None] = field(init=False)
    #: Property -> (column, field, default) for the query columns.
    _by_prop: dict[str, tuple[str, FieldDef, Any]] = field(init=False)
    #: (property, column, field, default) of the columns with a default for a missing value.
    _defaulted: tuple[tuple[str, str, FieldDef, Any], ...] = field(init=False)

    def __post_init__(self) -> None:
        defaults = stored_defaults(self.entity)
        columns = {f.name: (column_name(f.name), f, defaults.get(f.name)) for f in self.fields}
        object.__setattr__(self, "_empty", dict.fromkeys(c for c, _, _ in columns.values()))
        object.__setattr__(self, "_by_prop", columns)
        defaulted = tuple((p, *spec) for p, spec in columns.items() if spec[2] is not None)
        object.__setattr__(self, "_defaulted", defaulted)
        t = self.table
        key = (t.c.realm_id == bindparam("k_realm")) & (t.c.id == bindparam("k_id"))
        object.__setattr__(self, "insert_row", insert(t))
        object.__setattr__(self, "update_row", update(t).where(key))
        object.__setattr__(self, "delete_row", delete(t).where(key))
        object.__setattr__(self, "select_doc", select(t.c.doc).where(key))

    def find_by(self, prop: str) -> Select[Any]:
        """Documents whose query column equals ``:k_value``, by ascending id, ``:k_limit`` rows."""
        stmt = self._find.get(prop)
        if stmt is None:
            t = self.table
            stmt = (
                select(t.c.doc)
                .where(
                    t.c.realm_id == bindparam("k_realm"),
                    t.c[column_name(prop)] == bindparam("k_value"),
                )
                .order_by(t.c.id)
                .limit(bindparam("k_limit"))
            )
            self._find[prop] = stmt
        return stmt

    def row(
        self,
        realm_id: str,
        doc: dict[str, Any],
        created_ms: int,
        updated_ms: int,
        zone: str = "UTC",
    ) -> dict[str, Any]:
        values: dict[str, Any] = {
            "realm_id": realm_id,
            "id": int(doc["Id"]),
            "sync_token": int(doc.get("SyncToken", "0")),
            "created_ms": created_ms,
            "updated_ms": updated_ms,
        }
        # A document holds few of its entity's query properties: start from all columns
        # empty and fill the ones it has (and defaults for the ones it lacks).
        values.update(self._empty)
        columns = self._by_prop
        for prop, value in doc.items():
            spec = columns.get(prop)
            if spec is not None and value is not None:
                values[spec[0]] = column_value(spec[1], value, zone, spec[2])
        for prop, column, f, default in self._defaulted:
            if doc.get(prop) is None:
                values[column] = column_value(f, None, zone, default)
        return values


def _index_columns(entity: EntityDef, f: FieldDef) -> tuple[str, ...]:
    """``(realm_id, column, id)``; on name lists, Active rides along at the end.

    Queries on name lists carry ``Active = true`` (inactive rows are hidden unless Active
    is filtered), so every index also holds Active and answers without reading the table.
    Active's own index is ``(realm_id, id, Active)``: a page in id order skips through it
    alone (``STARTPOSITION 90001``), and, with no index leading with Active, SQLite's
    planner (which keeps no statistics) never prefers Active to a selective column.
    """
    trailing = _active_column(entity)
    if trailing is None:
        return ("realm_id", column_name(f.name), "id")
    if f.name == "Active":
        return ("realm_id", "id", trailing)
    return ("realm_id", column_name(f.name), "id", trailing)


def _active_column(entity: EntityDef) -> str | None:
    if "Active" in stored_defaults(entity) and "Active" in entity.fields:
        return column_name("Active")
    return None


@dataclass(frozen=True)
class Tables:
    """Every table the emulator uses."""

    metadata: MetaData
    realms: Table
    sequences: Table
    request_log: Table
    changes: Table
    entities: dict[str, EntityTable]
    #: The double-entry ledger (written by ``qbo.emulator.ledger``), see :func:`ledger_table`.
    ledger: Table

    @classmethod
    def build(cls) -> Tables:
        md = MetaData()
        realms = Table(
            "realms",
            md,
            Column("realm_id", String(32), primary_key=True),
            Column("company_name", Text, nullable=False),
            Column("country", String(8), nullable=False),
            Column("currency", String(8), nullable=False),
            Column("timezone", String(64), nullable=False),
            Column("seed", String(32), nullable=False),
            Column("created_ms", BigInteger, nullable=False),
        )
        sequences = Table(
            "sequences",
            md,
            Column("realm_id", String(32), nullable=False),
            Column("name", String(80), nullable=False),
            Column("value", BigInteger, nullable=False),
            PrimaryKeyConstraint("realm_id", "name"),
        )
        request_log = Table(
            "request_log",
            md,
            Column("realm_id", String(32), nullable=False),
            Column("request_id", String(64), nullable=False),
            Column("fingerprint", String(64), nullable=False),
            Column("status", Integer, nullable=False),
            Column("body", Text, nullable=False),
            Column("created_ms", BigInteger, nullable=False),
            PrimaryKeyConstraint("realm_id", "request_id"),
        )
        changes = Table(
            "changes",
            md,
            Column(
                "seq",
                BigInteger().with_variant(Integer, "sqlite"),
                primary_key=True,
                autoincrement=True,
            ),
            Column("realm_id", String(32), nullable=False),
            Column("entity", String(40), nullable=False),
            Column("entity_id", BigInteger, nullable=False),
            Column("operation", String(16), nullable=False),
            Column("changed_ms", BigInteger, nullable=False),
            Column("deleted_id", BigInteger, nullable=True),
            Index("ix_changes_realm_time", "realm_id", "changed_ms"),
            # Never reuse a seq after rows are deleted (a realm reset): readers keep cursors
            # on it (webhooks), and a reused seq below a cursor would be skipped.
            sqlite_autoincrement=True,
        )
        entity_tables: dict[str, EntityTable] = {}
        for entity in catalogue().entities.values():
            fields = tuple(queryable_fields(entity))
            name = "ent_" + entity.name.lower()
            cols: list[Any] = [
                Column("realm_id", String(32), nullable=False),
                Column("id", BigInteger, nullable=False),
                Column("sync_token", Integer, nullable=False),
                Column("created_ms", BigInteger, nullable=False),
                Column("updated_ms", BigInteger, nullable=False),
                Column("doc", Text, nullable=False),
                PrimaryKeyConstraint("realm_id", "id", name=f"pk_{name}"),
                Index(f"ix_{name}_updated", "realm_id", "updated_ms"),
                Index(f"ix_{name}_created", "realm_id", "created_ms"),
            ]
            indexed = set(entity.indexed)
            indexes: list[Index] = []
            for f in fields:
                cols.append(Column(column_name(f.name), _sql_type(f.kind), nullable=True))
                if f.name in indexed:
                    indexes.append(Index(f"ix_{name}_{f.name.lower()}", *_index_columns(entity, f)))
            cols.extend(indexes)  # after the columns: they may name any of them
            table = Table(name, md, *cols)
            entity_tables[entity.name] = EntityTable(entity, table, fields)
        return cls(md, realms, sequences, request_log, changes, entity_tables, ledger_table(md))


def ledger_table(md: MetaData) -> Table:
    """One row per posting: a signed amount on one account, written with its transaction.

    Amounts are integer cents, debit positive: ``amount`` in the home currency,
    ``fx_amount`` in the transaction's currency. ``open_type``/``open_id`` name the open
    document (invoice, bill, credit memo, unapplied payment...) whose balance the row
    moves; ``role`` marks control rows (ar, ap, uf) and inventory rows.
    """
    table = Table(
        "ledger_entries",
        md,
        Column("realm_id", String(32), nullable=False),
        Column("txn_type", String(40), nullable=False),
        Column("txn_id", BigInteger, nullable=False),
        Column("seq", Integer, nullable=False),
        Column("line_id", String(32), nullable=True),
        Column("txn_date", String(10), nullable=False),
        Column("account_id", BigInteger, nullable=False),
        Column("amount", BigInteger, nullable=False),
        Column("fx_amount", BigInteger, nullable=False),
        Column("currency", String(8), nullable=False),
        Column("role", String(16), nullable=True),
        Column("customer_id", BigInteger, nullable=True),
        Column("vendor_id", BigInteger, nullable=True),
        Column("item_id", BigInteger, nullable=True),
        Column("class_id", BigInteger, nullable=True),
        Column("department_id", BigInteger, nullable=True),
        Column("qty", String(40), nullable=True),
        Column("open_type", String(40), nullable=True),
        Column("open_id", BigInteger, nullable=True),
        Column("due_date", String(10), nullable=True),
        Column("memo", Text, nullable=True),
        PrimaryKeyConstraint("realm_id", "txn_type", "txn_id", "seq", name="pk_ledger_entries"),
        Index("ix_ledger_date", "realm_id", "txn_date"),
    )
    # Partial indexes keep the many plain postings cheap to write: only rows of open
    # documents are looked up by document, only inventory movements by item.
    opened = table.c.open_type.is_not(None)
    Index(
        "ix_ledger_open",
        table.c.realm_id,
        table.c.open_type,
        table.c.open_id,
        sqlite_where=opened,
        postgresql_where=opened,
    )
    # Keep this IN list identical to ledger.entries.moves_of, or SQLite will not use the index.
    moves = table.c.role.in_([literal_column(f"'{r}'") for r in ("inv_in", "inv_out", "cogs")])
    Index(
        "ix_ledger_item",
        table.c.realm_id,
        table.c.item_id,
        sqlite_where=moves,
        postgresql_where=moves,
    )
    return table
