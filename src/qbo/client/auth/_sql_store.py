"""Tokens in a SQL table (SQLite or PostgreSQL, through SQLAlchemy 2): for fleets of workers.

The table, ``qbo_tokens`` by default, has one row per (realm_id, client_id). The lock of
the single-flight refresh is the database's own, held by one transaction across
read-refresh-write:

- PostgreSQL: the row is created if missing (``INSERT ... ON CONFLICT DO NOTHING``), then
  ``SELECT ... FOR UPDATE`` locks it; other workers wait on that row only.
- SQLite: ``BEGIN IMMEDIATE`` takes the database's write lock (SQLite has no row locks);
  give the tokens a database file of their own if other writers share it.

Rows are Fernet-encrypted with a key from ``key=``, ``key_file=`` (the ``qbo`` command
makes one, 0600, in its config folder) or ``$QBO_TOKEN_KEY``. Without one the store
refuses to open: tokens in plain text only when asked for with ``plaintext=True``. A
SQLite file the store creates is 0600 (in a 0700 folder when it creates that too).

The table's schema revision is kept in ``{table}_version`` (Alembic scripts in
``migrations/``): an older table is upgraded when the store opens it, one written by a
newer qbo is refused with :class:`qbo.migrations.SchemaVersionError`.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.fernet import MultiFernet
from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    exc,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Engine, make_url

from qbo.client.auth._keys import KEY_ENV, decrypt, load_key
from qbo.client.auth._store_base import DEFAULT_LOCK_TIMEOUT, TokenStoreError, realm_of
from qbo.client.auth.tokens import Token
from qbo.migrations import Versioning, open_versioned
from qbo.private_files import create_private_sqlite

DEFAULT_TABLE = "qbo_tokens"
_MIGRATIONS = Path(__file__).parent / "migrations"
_IMMEDIATE = "qbo_sqlite_begin_immediate"


def _sqlite_engine(url: str | URL, timeout: float, **kwargs: Any) -> Engine:
    """An engine whose transactions are begun by us, so the lock can ask for IMMEDIATE.

    pysqlite's own transaction handling only ever sends a deferred ``BEGIN``; SQLAlchemy's
    documented recipe turns it off and sends the BEGIN from the ``begin`` event.
    """
    engine = create_engine(url, connect_args={"timeout": timeout}, **kwargs)

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get(_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class _Locked:
    def __init__(self, store: SQLTokenStore, conn: Connection, realm_id: str) -> None:
        self._store = store
        self._conn = conn
        self._realm_id = realm_id

    def load(self) -> Token | None:
        return self._store._select(self._conn, self._realm_id)

    def save(self, token: Token) -> None:
        if realm_of(token) != self._realm_id:
            raise ValueError("the token belongs to another company than the one locked")
        self._store._upsert(self._conn, token)


class SQLTokenStore:
    """Each company's token for one app (``client_id``), in a SQL table."""

    def __init__(
        self,
        url: str | URL,
        *,
        client_id: str,
        table: str = DEFAULT_TABLE,
        schema: str | None = None,
        key: str | bytes | None = None,
        key_file: str | os.PathLike[str] | None = None,
        lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
        create: bool = True,
        plaintext: bool = False,
    ) -> None:
        self.client_id = client_id
        self.lock_timeout = lock_timeout
        self._fernet: MultiFernet | None = load_key(key, key_file, required=False)
        if self._fernet is None and not plaintext:
            raise TokenStoreError(
                f"SQLTokenStore has no key to encrypt tokens with: set {KEY_ENV}, or pass "
                "key= or key_file= (the qbo command keeps one in its config folder, "
                "e.g. ~/.config/qbo/key; make one with qbo.client.auth.generate_key()); "
                "pass plaintext=True to store tokens unencrypted"
            )
        backend = make_url(url).get_backend_name()
        if backend == "sqlite":
            create_private_sqlite(str(url) if isinstance(url, str) else url.render_as_string())
            self.engine = _sqlite_engine(url, lock_timeout)
        elif backend == "postgresql":
            self.engine = create_engine(url, pool_pre_ping=True)
        else:
            raise TokenStoreError(f"SQLTokenStore supports SQLite and PostgreSQL, not {backend}")
        self.dialect = backend
        self.table = Table(
            table,
            MetaData(schema=schema),
            Column("realm_id", String(64), primary_key=True),
            Column("client_id", String(128), primary_key=True),
            Column("token", Text, nullable=True),  # NULL: the row exists only to be locked
            Column("updated_at", DateTime(timezone=True), nullable=False),
        )
        self._versioning = Versioning(
            what=f"token table {self.table.fullname}",
            scripts=_MIGRATIONS,
            version_table=f"{table}_version",
            baseline="0001",
            marker_table=table,
            schema=schema,
        )
        if create:
            self.create_table()

    def __repr__(self) -> str:
        return f"SQLTokenStore({self.engine.url!r}, table={self.table.fullname!r})"

    def close(self) -> None:
        self.engine.dispose()

    def create_table(self) -> None:
        """Create the table (and its PostgreSQL schema) if missing, or bring an older one to
        this version's schema; safe to race."""
        attributes = {"table": self.table.name, "schema": self.table.schema}
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    if self.table.schema and self.dialect == "postgresql":
                        quoted = conn.dialect.identifier_preparer.quote_schema(self.table.schema)
                        conn.exec_driver_sql(f"CREATE SCHEMA IF NOT EXISTS {quoted}")
                    open_versioned(
                        conn,
                        self._versioning,
                        lambda c: self.table.create(c, checkfirst=True),
                        attributes,
                    )
                return
            except (exc.IntegrityError, exc.ProgrammingError):
                # Another process created it between our check and our CREATE.
                if attempt:
                    raise

    # -- rows -----------------------------------------------------------------------------

    def _where(self, realm_id: str) -> Any:
        t = self.table
        return (t.c.realm_id == realm_id) & (t.c.client_id == self.client_id)

    def _encode(self, token: Token) -> str:
        text = token.to_json()
        if self._fernet is None:
            return text
        return self._fernet.encrypt(text.encode("utf-8")).decode("ascii")

    def _decode(self, value: str, realm_id: str) -> Token:
        what = f"the token of company {realm_id}"
        if value.startswith("{"):
            text = value
        elif self._fernet is None:
            raise TokenStoreError(f"{what} is encrypted: set QBO_TOKEN_KEY or pass key=")
        else:
            text = decrypt(self._fernet, value.encode("ascii"), what).decode("utf-8")
        try:
            return Token.from_json(text)
        except ValueError:
            raise TokenStoreError(f"{what} is damaged") from None

    def _select(self, conn: Connection, realm_id: str, for_update: bool = False) -> Token | None:
        query = select(self.table.c.token).where(self._where(realm_id))
        if for_update:
            query = query.with_for_update()
        value = conn.execute(query).scalar()
        return None if value is None else self._decode(value, realm_id)

    def _upsert(self, conn: Connection, token: Token) -> None:
        values = {
            "realm_id": realm_of(token),
            "client_id": self.client_id,
            "token": self._encode(token),
            "updated_at": datetime.now(UTC),
        }
        insert = (postgresql if self.dialect == "postgresql" else sqlite).insert(self.table)
        conn.execute(
            insert.values(values).on_conflict_do_update(
                index_elements=["realm_id", "client_id"],
                set_={"token": values["token"], "updated_at": values["updated_at"]},
            )
        )

    # -- the store ------------------------------------------------------------------------

    def load(self, realm_id: str) -> Token | None:
        with self._errors(), self.engine.connect() as conn:
            return self._select(conn, realm_id)

    def save(self, token: Token) -> None:
        with self.lock(realm_of(token)) as locked:
            locked.save(token)

    def delete(self, realm_id: str) -> None:
        with self._errors(), self.engine.begin() as conn:
            conn.execute(self.table.delete().where(self._where(realm_id)))

    @contextmanager
    def lock(self, realm_id: str) -> Iterator[_Locked]:
        with self._errors(), self.engine.connect() as conn:
            if self.dialect == "sqlite":
                # How long BEGIN IMMEDIATE waits for another holder (set on the driver's
                # connection directly: through SQLAlchemy it would open a transaction).
                raw: Any = conn.connection.dbapi_connection
                raw.execute(f"PRAGMA busy_timeout = {math.ceil(self.lock_timeout * 1000)}")
                conn = conn.execution_options(**{_IMMEDIATE: True})
            with conn.begin():
                if self.dialect == "postgresql":
                    conn.exec_driver_sql(
                        f"SET LOCAL lock_timeout = {math.ceil(self.lock_timeout * 1000)}"
                    )
                    conn.execute(
                        postgresql.insert(self.table)
                        .values(
                            realm_id=realm_id,
                            client_id=self.client_id,
                            token=None,
                            updated_at=datetime.now(UTC),
                        )
                        .on_conflict_do_nothing()
                    )
                    # Lock the row (the caller re-reads it through _Locked.load).
                    self._select(conn, realm_id, for_update=True)
                yield _Locked(self, conn, realm_id)

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Database errors as TokenStoreError (SQLAlchemy's message names no token)."""
        try:
            yield
        except exc.OperationalError as error:
            raise TokenStoreError(
                f"token store {self.table.fullname}: {type(error.orig).__name__}: "
                "the database is unreachable or the lock timed out"
            ) from None
