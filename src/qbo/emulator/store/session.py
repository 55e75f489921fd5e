"""One transaction against one realm: the only way domain code touches the database."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any, TypeVar, cast

from simplejson import RawJSON
from sqlalchemy import Connection, Table, bindparam, func, insert, select, update

from qbo.emulator.store import Store
from qbo.emulator.store.builtin import BUILTIN
from qbo.emulator.store.driver_sql import DriverStatement
from qbo.emulator.store.held import ColumnIndex, HeldWrites, Sequence
from qbo.emulator.store.tables import EntityTable, column_name, column_value, normalise
from qbo.emulator.timefmt import epoch_ms, meta_time
from qbo.schema import jsoncodec

T = TypeVar("T")

CURRENCY_NAMES = {
    "USD": "United States Dollar",
    "CAD": "Canadian Dollar",
    "GBP": "British Pound Sterling",
    "EUR": "Euro",
    "AUD": "Australian Dollar",
    "INR": "Indian Rupee",
    "MXN": "Mexican Peso",
    "JPY": "Japanese Yen",
    "CHF": "Swiss Franc",
    "NZD": "New Zealand Dollar",
}


@dataclass(frozen=True)
class Realm:
    """A company's identity and locale."""

    realm_id: str
    company_name: str
    country: str
    currency: str
    timezone: str
    seed: str

    def public(self) -> dict[str, Any]:
        return {
            "realmId": self.realm_id,
            "companyName": self.company_name,
            "country": self.country,
            "currency": self.currency,
            "timezone": self.timezone,
            "seed": self.seed,
        }


class Session:
    """Entity rows, sequences and the change log of one realm inside one transaction.

    ``now`` is read once per request so that every timestamp a request writes agrees.
    Inside :meth:`held_writes` (a seed's bulk block) rows are written many at a time
    (:mod:`.held`); :attr:`conn` sends them before anyone else uses the connection.
    """

    def __init__(
        self,
        store: Store,
        conn: Connection,
        realm: Realm,
        now: datetime,
        include: frozenset[str] = frozenset(),
    ) -> None:
        self.store = store
        self.include = include
        self._conn = conn
        self._held: HeldWrites | None = None
        #: The driver statements this session ran, by key (no trip to the store's cache).
        self._drivers: dict[tuple[Any, ...], DriverStatement] = {}
        self.realm = realm
        self.now = now
        self.now_ms = epoch_ms(now)
        # MetaData times are written to the second, so their query columns are too.
        self.meta_ms = self.now_ms // 1000 * 1000
        self._meta_now: str | None = None
        self._doc_cache: dict[tuple[str, int], dict[str, Any] | None] = {}
        #: Per-transaction memos of the layers above (the ledger's system account ids, the
        #: multicurrency flag, bulk staging), each under its module's own key. They live and
        #: die with the session, so no two requests (or emulators) ever share one.
        self.memo: dict[str, Any] = {}

    @property
    def conn(self) -> Connection:
        """The transaction's connection, with every held row written (so a statement run
        on it directly, a read or a write, sees exactly what the domain has written)."""
        if self._held is not None:
            self.flush_writes()
        return self._conn

    # -- held writes --------------------------------------------------------------------
    @contextmanager
    def held_writes(self) -> Iterator[None]:
        """Hold rows back and write them many per statement until the block ends (seeds).

        Nested blocks join the outer one. On an exception the held rows are dropped: the
        transaction they belong to is being rolled back anyway.
        """
        if self._held is not None:
            yield
            return
        self._held = HeldWrites()
        try:
            yield
            self.flush_writes()
        finally:
            self._held = None

    def flush_writes(self) -> None:
        """Write every held row and sequence value now."""
        held = self._held
        if held is None:
            return
        _, first, _, assign = _sequence_statements(self.store.tables.sequences)
        for name, seq in held.sequences.items():
            if not seq.dirty:
                continue
            params = {"k_realm": self.realm.realm_id, "k_name": name, "k_value": seq.value}
            if seq.stored:
                held.update(("sequence set",), self._driver(("sequence set",), assign), params)
            else:
                held.insert(("sequence first",), self._driver(("sequence first",), first), params)
                seq.stored = True
            seq.dirty = False
        held.write(self._conn)

    def _write_row(
        self, key: tuple[Any, ...], statement: Any, row: dict[str, Any], *, update: bool = False
    ) -> None:
        """Run an INSERT or UPDATE for one row now, or hold it inside :meth:`held_writes`."""
        columns = tuple(row) if not update else tuple(k for k in row if not k.startswith("k_"))
        driver = self._driver(key, statement, columns)
        held = self._held
        if held is None:
            driver.run(self._conn, row)
            return
        if update:
            held.update(key, driver, row)
        else:
            held.insert(key, driver, row)
        if held.full:
            self.flush_writes()

    def insert_rows(self, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert rows that all have the same keys (ledger postings) into ``table``."""
        if not rows:
            return
        columns = tuple(rows[0])
        key = ("rows", table.name, columns)
        if self._held is None:
            self._driver(key, lambda: insert(table), columns).run_many(self._conn, rows)
            return
        for row in rows:
            self._write_row(key, lambda: insert(table), row)

    # -- time ---------------------------------------------------------------------------
    def meta_now(self) -> str:
        """``now`` as MetaData writes it (in the company's zone), worked out once."""
        if self._meta_now is None:
            self._meta_now = meta_time(self.now, self.realm.timezone)
        return self._meta_now

    def bump(self, doc: dict[str, Any], old: dict[str, Any]) -> None:
        """Mark ``doc`` as the next version of ``old``: SyncToken + 1, LastUpdatedTime now.

        Every change to a stored object goes through here, so a client's optimistic
        concurrency check (the SyncToken) and CDC's ordering (LastUpdatedTime) agree.
        """
        doc["SyncToken"] = str(int(old["SyncToken"]) + 1)
        doc["MetaData"] = {**old["MetaData"], "LastUpdatedTime": self.meta_now()}

    # -- company settings ---------------------------------------------------------------
    def preferences(self) -> dict[str, Any]:
        """The company's Preferences (read-only view; cached for the request)."""
        if ("Preferences", 1) not in self._doc_cache:
            self.get("Preferences", "1")
        return self._doc_cache.get(("Preferences", 1)) or {}

    def _pref(self, group: str, prop: str) -> Any:
        section = self.preferences().get(group)
        return section.get(prop) if isinstance(section, dict) else None

    def currency_name(self, code: str) -> str:
        return CURRENCY_NAMES.get(code.upper(), code.upper())

    def home_currency_ref(self) -> dict[str, str]:
        code = self.realm.currency
        return {"value": code, "name": self.currency_name(code)}

    def multicurrency_enabled(self) -> bool:
        return self._pref("CurrencyPrefs", "MultiCurrencyEnabled") is True

    def custom_txn_numbers(self) -> bool:
        return self._pref("SalesFormsPrefs", "CustomTxnNumbers") is True

    def default_term_id(self) -> str | None:
        ref = self._pref("SalesFormsPrefs", "DefaultTerms")
        return str(ref["value"]) if isinstance(ref, dict) and "value" in ref else None

    # -- rows ---------------------------------------------------------------------------
    def table(self, entity: str) -> EntityTable:
        return self.store.tables.entities[entity]

    def get(self, entity: str, object_id: str | int) -> dict[str, Any] | None:
        """The stored document, or None (ids that are not positive integers never exist)."""
        builtin = BUILTIN.get((entity, str(object_id)))
        if builtin is not None:
            shared = clone(builtin)
            # Built-ins are shared by every realm: their times are shown in this one's zone.
            shared["MetaData"] = {
                key: meta_time(datetime.fromisoformat(value), self.realm.timezone)
                for key, value in shared["MetaData"].items()
            }
            return shared
        num = stored_id(object_id)
        if num is None:
            return None
        key = (entity, num)
        if key in self._doc_cache:
            cached = self._doc_cache[key]
            return None if cached is None else clone(cached)
        row = self._select_doc(entity, num)
        doc: dict[str, Any] | None = None if row is None else jsoncodec.loads(row[0])
        self._doc_cache[key] = doc
        return None if doc is None else clone(doc)

    def peek(self, entity: str, object_id: str | int) -> dict[str, Any] | None:
        """:meth:`get` without the copy, for a caller that only reads the document (a
        reference check, a default copied from a customer): the session's own copy."""
        num = stored_id(object_id)
        key = (entity, num)
        if num is not None and key in self._doc_cache and (entity, str(object_id)) not in BUILTIN:
            return self._doc_cache[key]
        return self.get(entity, object_id)

    def get_raw(self, entity: str, object_id: str | int) -> Any:
        """The stored document as its JSON text (``RawJSON``), for an answer that only
        passes it on: no parse and no re-encoding. The bytes on the wire are the same as
        :meth:`get`'s, since the text is what ``jsoncodec.dumps`` made of the document.
        Built-ins and documents this session changed come from :meth:`get`."""
        num = stored_id(object_id)
        if num is None or (entity, str(object_id)) in BUILTIN or (entity, num) in self._doc_cache:
            return self.get(entity, object_id)
        row = self._select_doc(entity, num)
        return None if row is None else RawJSON(row[0])

    def _select_doc(self, entity: str, num: int) -> Any:
        """The row holding a document's JSON text, looked up by primary key on the driver."""
        statement = self._driver(("select_doc", entity), self.table(entity).select_doc)
        return statement.first(self.conn, {"k_realm": self.realm.realm_id, "k_id": num})

    def _driver(
        self, key: tuple[Any, ...], statement: Any, column_keys: tuple[str, ...] | None = None
    ) -> DriverStatement:
        """A hot statement compiled once per store for its driver (see ``driver_sql``);
        ``statement`` may be a function making it, called only the first time."""
        found = self._drivers.get(key)
        if found is not None:
            return found
        dialect = self.store.engine.dialect

        def compile_it() -> DriverStatement:
            made = statement() if callable(statement) else statement
            return DriverStatement.of(made, dialect, column_keys)

        found = self._drivers[key] = self.store.statement(("driver", *key), compile_it)
        return found

    def insert(self, entity: str, doc: dict[str, Any]) -> None:
        et = self.table(entity)
        row = et.row(self.realm.realm_id, doc, self.meta_ms, self.meta_ms, self.realm.timezone)
        row["doc"] = jsoncodec.dumps(doc)
        num = int(doc["Id"])
        if self._held is not None:
            self._held.index_rows(entity, num, row)
        self._write_row(("insert", entity, tuple(row)), et.insert_row, row)
        self._doc_cache[(entity, num)] = doc

    def replace(self, entity: str, doc: dict[str, Any]) -> None:
        et = self.table(entity)
        num = int(doc["Id"])
        row = et.row(self.realm.realm_id, doc, 0, self.meta_ms, self.realm.timezone)
        row.pop("created_ms")
        row.pop("realm_id")
        row.pop("id")
        row["doc"] = jsoncodec.dumps(doc)
        row["k_realm"] = self.realm.realm_id
        row["k_id"] = num
        self._update(entity, et, row)
        self._doc_cache[(entity, num)] = doc

    def _update(self, entity: str, et: EntityTable, row: dict[str, Any]) -> None:
        """UPDATE the row keyed by ``k_realm`` and ``k_id`` with the row's other values."""
        if self._held is not None:
            self._held.index_rows(entity, row["k_id"], row)
        key = ("update", entity, tuple(k for k in row if not k.startswith("k_")))
        self._write_row(key, et.update_row, row, update=True)

    def replace_derived(self, entity: str, doc: dict[str, Any], props: Iterable[str]) -> None:
        """Rewrite a document whose derived figures (``props``: a balance, a quantity) changed.

        Unlike :meth:`replace` it keeps the row's ``updated_ms`` (the object was not changed
        by anyone, so it must not look changed to LastUpdatedTime queries or CDC) and it
        recomputes only the query columns of ``props``, which keeps bulk posting cheap.
        """
        et = self.table(entity)
        num = int(doc["Id"])
        fields = _fields_by_name(entity, et.fields)
        row: dict[str, Any] = {
            column_name(p): column_value(fields[p], doc.get(p), self.realm.timezone)
            for p in props
            if p in fields
        }
        row["doc"] = jsoncodec.dumps(doc)
        row["k_realm"] = self.realm.realm_id
        row["k_id"] = num
        self._update(entity, et, row)
        self._doc_cache[(entity, num)] = doc

    def remove(self, entity: str, object_id: str) -> None:
        num = int(object_id)
        if self._held is not None:
            self._held.unindex(entity, num)
        self.conn.execute(
            self.table(entity).delete_row, {"k_realm": self.realm.realm_id, "k_id": num}
        )
        self._doc_cache[(entity, num)] = None

    def find(self, entity: str, prop: str, value: Any, limit: int = 50) -> list[dict[str, Any]]:
        """Documents whose query column for ``prop`` equals ``value`` (case-insensitively)."""
        et = self.table(entity)
        field = next((f for f in et.fields if f.name == prop), None)
        if field is None:
            raise KeyError(f"{entity}.{prop} has no query column")
        params = {
            "k_realm": self.realm.realm_id,
            "k_value": normalise(field.kind, value),
            "k_limit": limit,
        }
        value = params["k_value"]
        if not isinstance(value, str | int) or isinstance(value, bool):
            rows = self.conn.execute(et.find_by(prop), params).all()
        elif self._held is not None:  # a seed: from the column's index, no query
            found = (self.get(entity, num) for num in self._index(entity, prop).find(value, limit))
            return [doc for doc in found if doc is not None]
        else:  # the common case (a name): straight to the driver
            rows = self._driver(("find", entity, prop), et.find_by(prop)).all(self.conn, params)
        return [jsoncodec.loads(r[0]) for r in rows]

    def _index(self, entity: str, prop: str) -> ColumnIndex:
        """The realm's values of one query column by id, read once per held block."""
        assert self._held is not None
        column = column_name(prop)
        indexes = self._held.indexes.setdefault(entity, {})
        index = indexes.get(column)
        if index is None:
            t = self.table(entity).table
            index = ColumnIndex()
            rows = self.conn.execute(
                select(t.c.id, t.c[column]).where(t.c.realm_id == self.realm.realm_id)
            )
            for num, value in rows:
                index.put(int(num), value)
            indexes[column] = index
        return index

    def all(self, entity: str) -> list[dict[str, Any]]:
        t = self.table(entity).table
        rows = self.conn.execute(
            select(t.c.doc).where(t.c.realm_id == self.realm.realm_id).order_by(t.c.id)
        )
        return [jsoncodec.loads(r[0]) for r in rows]

    def count(self, entity: str) -> int:
        t = self.table(entity).table
        return int(
            self.conn.execute(
                select(func.count()).where(t.c.realm_id == self.realm.realm_id)
            ).scalar_one()
        )

    # -- sequences and the change log ---------------------------------------------------------
    def next_value(self, name: str, start: int = 1) -> int:
        """The next value of a per-realm sequence (ids, document numbers)."""
        advance, first, current, _ = _sequence_statements(self.store.tables.sequences)
        params = {"k_realm": self.realm.realm_id, "k_name": name}
        held = self._held
        if held is not None:  # a seed: read once, advanced in memory, written with the rows
            seq = held.sequences.get(name)
            if seq is None:
                found = self._driver(("sequence current",), current).first(self._conn, params)
                stored = found is not None
                seq = held.sequences[name] = Sequence(int(found[0]) if stored else None, stored)
            seq.value = start if seq.value is None else seq.value + 1
            seq.dirty = True
            return seq.value
        # One round trip for a sequence in use: the increment says what it moved to.
        found = self._driver(("sequence",), advance).first(self.conn, params)
        if found is None:
            self._driver(("sequence first",), first).run(self.conn, {**params, "k_value": start})
            return start
        return int(found[0])

    def new_id(self, entity: str) -> str:
        return str(self.next_value(f"id:{entity}"))

    def record_change(
        self, entity: str, object_id: str, operation: str, deleted_id: str | None = None
    ) -> None:
        """Append to the change log in the same transaction as the change (CDC's outbox)."""
        self._write_row(
            ("change",),
            self.store.tables.changes.insert,
            {
                "realm_id": self.realm.realm_id,
                "entity": entity,
                "entity_id": int(object_id),
                "operation": operation,
                "changed_ms": self.now_ms,
                "deleted_id": None if deleted_id is None else int(deleted_id),
            },
        )


def stored_id(object_id: str | int) -> int | None:
    """The row id an object id names, or None when no stored object can have it.

    Only canonical ids exist: " 5", "+5", "05" or a Unicode digit name nothing, and an id
    too large for a BIGINT column cannot be looked up at all.
    """
    text = str(object_id)
    if not (text.isascii() and text.isdigit() and len(text) <= 18 and text[0] != "0"):
        return None
    return int(text)


def clone(value: T) -> T:
    """A deep copy of a JSON-like document (much faster than copy.deepcopy)."""
    if isinstance(value, dict):
        return cast(T, {k: clone(v) for k, v in value.items()})
    if isinstance(value, list):
        return cast(T, [clone(v) for v in value])
    return value


@cache
def _sequence_statements(seq: Table) -> tuple[Any, Any, Any, Any]:
    """Prepared increment (returning the new value), first insert, read of the current
    value and assignment of a value, for the sequences."""
    key = (seq.c.realm_id == bindparam("k_realm")) & (seq.c.name == bindparam("k_name"))
    return (
        update(seq).where(key).values(value=seq.c.value + 1).returning(seq.c.value),
        insert(seq).values(
            realm_id=bindparam("k_realm"), name=bindparam("k_name"), value=bindparam("k_value")
        ),
        select(seq.c.value).where(key),
        update(seq).where(key).values(value=bindparam("k_value")),
    )


_FIELDS: dict[str, dict[str, Any]] = {}


def _fields_by_name(entity: str, fields: tuple[Any, ...]) -> dict[str, Any]:
    """An entity table's query-column fields by property name (built once per entity)."""
    found = _FIELDS.get(entity)
    if found is None:
        found = _FIELDS[entity] = {f.name: f for f in fields}
    return found
