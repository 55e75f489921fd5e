"""The mirror database: opening it, and applying changes exactly once.

:meth:`Mirror.apply` writes a set of changes for one realm inside the caller's
transaction: each change is compared with the stored version (:func:`supersedes`), only
newer copies are written, and each write adds one event to the change feed
(``qbo_changes``) in the same transaction. Callers commit the rows together with the
cursor or inbox state that covers them, so a crash either keeps both or neither:
replaying the same input afterwards finds every row already at its version and writes
nothing twice.

SQLite mirrors run in WAL mode (``synchronous=NORMAL``) with ``BEGIN IMMEDIATE``
transactions (a writer waits for another instead of failing on a lock upgrade);
PostgreSQL mirrors may live in a schema of their own (``schema=``).
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    ARRAY,
    Connection,
    Date,
    Engine,
    Numeric,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    literal_column,
    select,
    text,
    update,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError
from sqlalchemy.sql import ColumnElement, Select

from qbo.schema import jsoncodec
from qbo.sync import tables as t
from qbo.sync.documents import (
    COLUMN_KEYS,
    Change,
    Document,
    RowFields,
    Version,
    fields_values,
    fields_version,
    read_fields,
    supersedes,
)
from qbo.sync.references import NAME_ENTITIES, References
from qbo.sync.schema_version import upgrade

DEFAULT_PATH = Path(".qbo") / "mirror.db"
_SCHEMA_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


class MirrorError(RuntimeError):
    """The mirror cannot be opened (bad URL, unreachable server, bad schema name)."""


def now_text() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def default_url(path: Path = DEFAULT_PATH) -> str:
    return f"sqlite:///{path}"


def _engine(url: str, schema: str | None) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise MirrorError(f"not a database URL: {url!r}") from None
    if parsed.get_backend_name() == "sqlite":
        if schema is not None:
            raise MirrorError("a schema applies to PostgreSQL mirrors only")
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 60}, isolation_level=None)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi: Any, _record: Any) -> None:
            cursor = dbapi.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            # In WAL mode, NORMAL syncs at checkpoints rather than at every commit: a
            # crashed process loses nothing committed, and a power cut can only lose the
            # last transactions whole (rows and their cursor together), never half of one.
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() != "postgresql":
        raise MirrorError("the mirror is a SQLite file or a PostgreSQL database")
    if schema is None:
        return create_engine(url, pool_pre_ping=True)
    if not _SCHEMA_NAME.match(schema):
        raise MirrorError(f"not a schema name: {schema!r}")
    return create_engine(
        url, pool_pre_ping=True, connect_args={"options": f"-csearch_path={schema}"}
    )


class Mirror:
    """One mirror database (any number of realms)."""

    def __init__(self, engine: Engine, schema: str | None = None) -> None:
        self.engine = engine
        self.schema = schema

    @classmethod
    def open(cls, url: str | None = None, *, schema: str | None = None) -> Mirror:
        """Open (and create or upgrade) the mirror at ``url`` (default ``.qbo/mirror.db``)."""
        engine = _engine(url or default_url(), schema)
        try:
            if schema is not None:
                with engine.begin() as conn:
                    conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            upgrade(engine)
        except OperationalError as exc:
            engine.dispose()
            safe = make_url(url or default_url()).render_as_string(hide_password=True)
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else type(exc).__name__
            raise MirrorError(f"cannot open the mirror at {safe}: {reason}") from None
        except BaseException:
            engine.dispose()
            raise
        return cls(engine, schema)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Mirror:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    # -- applying changes ------------------------------------------------------------------
    def apply(
        self,
        conn: Connection,
        realm_id: str,
        changes: Iterable[Change],
        *,
        load_number: int | None = None,
        touched: References | None = None,
    ) -> Counter[str]:
        """Write the changes that are newer than what is stored; count them by kind.

        A copy of the *same* version whose document differs replaces the stored one too:
        QBO changes some fields without a new version (a customer's Balance, an
        account's CurrentBalance, an item's QtyOnHand move with the transactions that
        name them), and the later read is the current one.

        ``load_number`` marks every live object seen (changed or not) as seen by that
        load, which is how a reload finds objects deleted while the mirror was away.
        ``touched`` collects the names and accounts that written transactions refer to,
        before and after the change (their derived fields may have moved).
        """
        _take_turns(conn, realm_id)
        by_entity: dict[str, dict[str, Change]] = {}
        for change in changes:
            key = change.id
            group = by_entity.setdefault(change.entity, {})
            known = group.get(key)
            if known is None or supersedes(change.version, known.version):
                group[key] = change
        counts: Counter[str] = Counter()
        for entity, group in by_entity.items():
            counts += self._apply_entity(conn, realm_id, entity, group, load_number, touched)
        return counts

    def load_page(
        self,
        conn: Connection,
        realm_id: str,
        entity: str,
        raw_rows: Iterable[bytes],
        load_number: int,
    ) -> Counter[str]:
        """Write one page of a load (each row's JSON text as QBO sent it).

        Rows the mirror does not hold yet (every row of a first load) are inserted in bulk,
        their typed columns read from the text and one ``created`` event each; rows it
        holds, or whose fields have unusual types, go through :meth:`apply`, which compares
        versions. Either way each live row is marked as seen by ``load_number``.
        """
        _take_turns(conn, realm_id)
        read = [(raw, read_fields(raw)) for raw in raw_rows]
        ids = [f.Id for _, f in read if f is not None and f.Id]
        held = self._held(conn, realm_id, entity, ids)
        fresh: dict[str, tuple[bytes, RowFields]] = {}
        rest: list[Change] = []
        for raw, f in read:
            if f is None or not f.Id or f.Id in held or f.Id in fresh:
                rest.append(Document(entity, raw=raw))
            else:
                fresh[f.Id] = (raw, f)
        counts: Counter[str] = Counter()
        if fresh:
            recorded = now_text()
            rows: list[tuple[Any, ...]] = []
            events: list[tuple[Any, ...]] = []
            for object_id, (raw, f) in fresh.items():
                version = fields_version(f)
                rows.append(
                    (realm_id, entity, object_id, load_number, *fields_values(f, raw, version))
                )
                events.append(
                    (
                        realm_id,
                        entity,
                        object_id,
                        "created",
                        version.sync_token,
                        recorded,
                        rows[-1][_LAST_UPDATED],
                    )
                )
            _insert_rows(conn, t.objects, _FRESH_KEYS, rows)
            _insert_rows(conn, t.changes, _EVENT_KEYS, events)
            counts["created"] = len(rows)
        if rest:
            counts += self.apply(conn, realm_id, rest, load_number=load_number)
        return counts

    def _held(self, conn: Connection, realm_id: str, entity: str, ids: list[str]) -> set[str]:
        """Which of ``ids`` the mirror holds (alive or as tombstones)."""
        return {row.id for row in _objects(conn, realm_id, entity, ids, t.objects.c.id)}

    def _stored(
        self, conn: Connection, realm_id: str, entity: str, ids: list[str]
    ) -> dict[str, tuple[Version, str | None]]:
        o = t.objects
        rows = _objects(
            conn,
            realm_id,
            entity,
            ids,
            o.c.id,
            o.c.sync_token,
            o.c.updated_ms,
            o.c.deleted,
            o.c.document,
        )
        return {
            row.id: (Version(row.sync_token, row.updated_ms, bool(row.deleted)), row.document)
            for row in rows
        }

    def _apply_entity(
        self,
        conn: Connection,
        realm_id: str,
        entity: str,
        group: dict[str, Change],
        load_number: int | None,
        touched: References | None,
    ) -> Counter[str]:
        o = t.objects
        stored = self._stored(conn, realm_id, entity, list(group))
        inserts: list[dict[str, Any]] = []
        events: list[dict[str, Any]] = []
        counts: Counter[str] = Counter()
        recorded = now_text()
        seen: list[str] = []  # stored rows this load saw (new rows are inserted as seen)
        for object_id, change in group.items():
            old, old_document = stored.get(object_id, (None, None))
            if isinstance(change, Document) and load_number is not None and old is not None:
                seen.append(object_id)
            values = change.columns() if isinstance(change, Document) else {}
            if not supersedes(change.version, old):
                same_version = old is not None and not old.deleted and old == change.version
                if not (same_version and _differs(change, old_document)):
                    continue
            if touched is not None and entity not in NAME_ENTITIES:
                touched.add_document(old_document)
                if isinstance(change, Document):
                    touched.add(change.data)
            if isinstance(change, Document):
                kind = "created" if old is None or old.deleted else "updated"
                last_updated = change.last_updated
            else:
                values = {
                    "deleted": True,
                    "deleted_at": change.when.isoformat(),
                    "updated_ms": change.version.updated_ms,
                }
                kind = change.kind
                last_updated = change.when.isoformat()
            if old is None:
                row = dict.fromkeys(_ROW_KEYS)
                row.update(values, realm_id=realm_id, entity=entity, id=object_id)
                if isinstance(change, Document) and load_number is not None:
                    row["seen_load"] = load_number
                inserts.append(row)
            else:
                conn.execute(
                    update(o)
                    .where(o.c.realm_id == realm_id, o.c.entity == entity, o.c.id == object_id)
                    .values(**values)
                )
            events.append(
                _event(
                    realm_id,
                    entity,
                    object_id,
                    kind,
                    values.get("sync_token"),
                    recorded,
                    last_updated,
                )
            )
            counts[kind] += 1
        _insert_many(conn, o, inserts)
        _insert_many(conn, t.changes, events)
        if load_number is not None:
            for chunk in _id_chunks(seen):
                conn.execute(
                    update(o)
                    .where(o.c.realm_id == realm_id, o.c.entity == entity, o.c.id.in_(chunk))
                    .values(seen_load=load_number)
                )
        return counts


_ROW_KEYS = [c.name for c in t.objects.columns]
#: A loaded row: its key, the load that saw it, then the typed columns.
_FRESH_KEYS = ("realm_id", "entity", "id", "seen_load", *COLUMN_KEYS)
_LAST_UPDATED = _FRESH_KEYS.index("last_updated")
#: A change-feed row, in the order :func:`_event` names them.
_EVENT_KEYS = (
    "realm_id",
    "entity",
    "object_id",
    "kind",
    "sync_token",
    "recorded_at",
    "last_updated",
)


def _event(
    realm_id: str,
    entity: str,
    object_id: str,
    kind: str,
    sync_token: int | None,
    recorded: str,
    last_updated: str | None,
) -> dict[str, Any]:
    """One change-feed row: what happened to which object, at which version."""
    return {
        "realm_id": realm_id,
        "entity": entity,
        "object_id": object_id,
        "kind": kind,
        "sync_token": sync_token,
        "last_updated": last_updated,
        "recorded_at": recorded,
    }


#: Ids per ``IN (...)`` list (well under SQLite's limit on bound parameters).
_IDS_PER_STATEMENT = 500


def _id_chunks(ids: list[str]) -> Iterator[list[str]]:
    for first in range(0, len(ids), _IDS_PER_STATEMENT):
        yield ids[first : first + _IDS_PER_STATEMENT]


def _objects(
    conn: Connection, realm_id: str, entity: str, ids: list[str], *columns: Any
) -> Iterator[Any]:
    """``columns`` of the stored rows of ``ids`` (those the mirror holds).

    The ids travel as one parameter (a JSON array SQLite reads with ``json_each``, an
    array on PostgreSQL), not one placeholder each: a load asks this for every page, and
    rendering and binding a thousand placeholders cost more than the lookup itself.
    """
    if not ids:
        return
    o = t.objects
    wanted: ColumnElement[bool]
    if conn.dialect.name == "sqlite":
        listed: Select[tuple[Any]] = select(literal_column("value")).select_from(
            func.json_each(bindparam("ids", jsoncodec.dumps(ids)))
        )
        wanted = o.c.id.in_(listed.scalar_subquery())
    else:
        wanted = o.c.id == any_(bindparam("ids", ids, type_=ARRAY(o.c.id.type)))
    yield from conn.execute(
        select(*columns).where(o.c.realm_id == realm_id, o.c.entity == entity, wanted)
    )


def _take_turns(conn: Connection, realm_id: str) -> None:
    """Writers of one realm take turns (SQLite's BEGIN IMMEDIATE does this for the whole
    file), so two processes never both insert the same new object."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _lock_key(realm_id)})


def _lock_key(realm_id: str) -> int:
    """A stable signed 64-bit key for the realm's advisory lock."""
    digest = hashlib.sha256(f"qbo-mirror:{realm_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _differs(change: Change, stored: str | None) -> bool:
    """Whether a live copy's document differs from the stored text (numbers compared as
    values: ``10.00`` and ``10`` are the same amount, whichever way they were written)."""
    if not isinstance(change, Document) or stored is None:
        return False
    return bool(jsoncodec.loads(stored) != jsoncodec.loads(jsoncodec.dumps(change.data)))


def _insert_many(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys): :func:`_insert_rows` by name."""
    if rows:
        keys = tuple(rows[0])
        _insert_rows(conn, table, keys, [tuple(row[key] for key in keys) for row in rows])


def _insert_rows(
    conn: Connection, table: Table, keys: tuple[str, ...], rows: list[tuple[Any, ...]]
) -> None:
    """Insert ``rows``, tuples of the values of ``keys``.

    On SQLite the rows go to the driver's ``executemany`` with the values SQLAlchemy would
    bind (money as float, dates as ISO text): a load writes tens of thousands of rows, and
    SQLAlchemy's per-row parameter processing costs more than SQLite's own insert.
    PostgreSQL goes through SQLAlchemy, which packs the rows into multi-row statements.
    """
    if not rows:
        return
    if conn.dialect.name != "sqlite":
        conn.execute(insert(table), [dict(zip(keys, row, strict=True)) for row in rows])
        return
    names = ", ".join(f'"{key}"' for key in keys)
    marks = ", ".join("?" for _ in keys)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    converted = [
        (index, _SQLITE_BIND[type(table.c[key].type)])
        for index, key in enumerate(keys)
        if type(table.c[key].type) in _SQLITE_BIND
    ]
    if converted:
        rows = [_bound(row, converted) for row in rows]
    conn.exec_driver_sql(sql, rows)


def _bound(
    row: tuple[Any, ...], converted: list[tuple[int, Callable[[Any], Any]]]
) -> tuple[Any, ...]:
    values = list(row)
    for index, bind in converted:
        if values[index] is not None:
            values[index] = bind(values[index])
    return tuple(values)


#: What SQLAlchemy binds for these column types on SQLite.
_SQLITE_BIND: dict[type[Any], Callable[[Any], Any]] = {
    Numeric: float,
    Date: date.isoformat,
}
