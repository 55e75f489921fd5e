"""Engines and transactions for SQLite (file or memory) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, so readers never block the writer and an
acknowledged write survives the process being killed. SQLite has one writer at a time, so
its writes take one process-wide lock (waiting on a lock is cheaper than SQLite's busy
loop). PostgreSQL writes are serialised per realm only: in-process by a lock per realm and,
across processes sharing the database, by a transaction-scoped advisory lock, so writes to
different companies run in parallel.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.pool import StaticPool

from qbo.emulator.store.tables import Tables
from qbo.private_files import create_private_sqlite

DEFAULT_DB_DIR = Path(".qbo")
#: SQLite file connections kept open by reading threads (the event loop's short reads
#: first); a few, so that the pool always has connections for everyone else.
KEPT_READERS = 4
#: Statements kept built (a query's SQL for one realm): SQLAlchemy's construction of a
#: statement costs more than running it, and clients repeat the same few queries.
STATEMENTS_KEPT = 512

T = TypeVar("T")


def resolve_url(db: str | None) -> str:
    """Turn the ``--db`` argument (path, ``:memory:`` or URL) into an SQLAlchemy URL."""
    if db is None:
        return f"sqlite:///{DEFAULT_DB_DIR / 'emulator.db'}"
    if db == ":memory:":
        return "sqlite://"
    if "://" in db:
        return db
    return f"sqlite:///{Path(db)}"


def make_engine(url: str, schema: str | None = None) -> Engine:
    """Create an engine; ``schema`` isolates a PostgreSQL run in its own schema."""
    if url.startswith("sqlite"):
        memory = url in ("sqlite://", "sqlite:///:memory:")
        kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
        if memory:
            kwargs["poolclass"] = StaticPool
        else:
            create_private_sqlite(url)  # it holds the signing and HMAC keys: 0600 in 0700
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy manage transactions explicitly (BEGIN IMMEDIATE for writers).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            if not memory:
                cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Connection) -> None:
            # Straight to the driver: SQLAlchemy's statement machinery costs more than
            # SQLite's BEGIN itself, and every request begins a transaction. A read that
            # began on the driver already (Store.read) is joined, not begun again.
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            driver = conn.connection.driver_connection
            if not driver.in_transaction:  # type: ignore[union-attr]
                driver.execute(f"BEGIN {mode}")  # type: ignore[union-attr]

        return engine
    # No pre-ping (a SELECT 1 before every request): connections are recycled instead, and
    # a connection found dead invalidates the pool so the next request gets a new one.
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_recycle=300)
    if schema:

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cur.execute(f'SET search_path TO "{schema}"')
            cur.close()
            dbapi_conn.commit()

    return engine


def _advisory_lock(conn: Connection, realm_id: str) -> None:
    """Take the realm's transaction-scoped advisory lock (PostgreSQL), so emulators sharing
    the database write one realm in turns. Straight on the driver, inside the transaction
    SQLAlchemy began: its statement machinery costs more than the lock on every write."""
    key = int.from_bytes(hashlib.sha256(realm_id.encode()).digest()[:8], "big", signed=True)
    conn.connection.driver_connection.execute(  # type: ignore[union-attr]
        "SELECT pg_advisory_xact_lock(%s)", (key,)
    )


def _in_transaction(conn: Connection) -> bool:
    """Whether a transaction is open on ``conn``, through SQLAlchemy or on the driver."""
    driver = conn.connection.driver_connection
    return conn.in_transaction() or bool(getattr(driver, "in_transaction", False))


@contextmanager
def _driver_read(conn: Connection) -> Iterator[None]:
    """A read transaction on a kept SQLite connection, begun and ended on the driver.

    SQLAlchemy's transaction object and its events cost more than a read by id itself.
    Reads that go through the driver (the hot ones) stay inside this BEGIN ... COMMIT; if
    the code in between executes through SQLAlchemy, SQLAlchemy joins the open
    transaction (``_sqlite_begin``) and its commit or rollback ends it.
    """
    driver = conn.connection.driver_connection
    assert driver is not None
    driver.execute("BEGIN DEFERRED")
    try:
        yield
    except BaseException:
        if conn.in_transaction():
            conn.rollback()
        if driver.in_transaction:
            driver.rollback()
        raise
    if conn.in_transaction():
        conn.commit()
    if driver.in_transaction:
        driver.commit()


class Store:
    """The emulator's database: tables plus read and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables = Tables.build()
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock()
        self._realm_locks: dict[str | None, threading.RLock] = {}
        # An in-memory database is one connection shared by every thread (StaticPool): a
        # read must not interleave with another thread's transaction on it, so reads take
        # the write lock too (a background task such as webhook delivery reads while
        # requests write).
        self._shared_connection = isinstance(engine.pool, StaticPool)
        self._statements: OrderedDict[Hashable, Any] = OrderedDict()
        self._statements_lock = threading.Lock()
        # A read on a SQLite file checks a connection out of the pool and back in, which
        # costs four times its BEGIN and COMMIT: a few reading threads keep theirs.
        self._keeps_readers = self.is_sqlite and not self._shared_connection
        self._reader = threading.local()
        self._kept: list[Connection] = []
        self._kept_lock = threading.Lock()

    def statement(self, key: Hashable, build: Callable[[], T]) -> T:
        """The statement built for ``key``, built by ``build`` on first use (the least
        recently used of :data:`STATEMENTS_KEPT` are forgotten)."""
        found = self._statements.get(key)  # no lock to read: every request asks here
        if found is not None:
            with contextlib.suppress(KeyError):  # forgotten meanwhile by another thread
                self._statements.move_to_end(key)
            return found  # type: ignore[no-any-return]
        built = build()
        with self._statements_lock:
            self._statements[key] = built
            if len(self._statements) > STATEMENTS_KEPT:
                self._statements.popitem(last=False)
        return built

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both databases)."""
        if self._shared_connection:
            with self._write_lock, self.engine.connect() as conn, conn.begin():
                yield conn
            return
        kept = self._kept_reader()
        if kept is not None and not _in_transaction(kept):
            with _driver_read(kept):
                yield kept
            return
        with self.engine.connect() as conn, conn.begin():  # a nested read takes another
            yield conn

    def _kept_reader(self) -> Connection | None:
        """This thread's own read connection (SQLite files, the first few threads)."""
        if not self._keeps_readers:
            return None
        conn: Connection | None = getattr(self._reader, "conn", None)
        if conn is None and not getattr(self._reader, "refused", False):
            with self._kept_lock:
                if len(self._kept) < KEPT_READERS:
                    conn = self.engine.connect()
                    self._kept.append(conn)
            self._reader.conn = conn
            self._reader.refused = conn is None
        return conn

    @property
    def shared_connection(self) -> bool:
        """True when every thread shares one connection (an in-memory SQLite database)."""
        return self._shared_connection

    def _lock_for(self, realm_id: str | None) -> threading.RLock:
        """SQLite: the one writer's lock. PostgreSQL: the realm's own (None: writes that
        belong to no realm, such as apps and deliveries, are serialised among themselves)."""
        if self.is_sqlite:
            return self._write_lock
        lock = self._realm_locks.get(realm_id)
        if lock is None:
            lock = self._realm_locks.setdefault(realm_id, threading.RLock())
        return lock

    @contextmanager
    def write(self, realm_id: str | None = None) -> Iterator[Connection]:
        """A write transaction, serialised per realm; rolls back on any exception."""
        with self._lock_for(realm_id):
            conn_ctx = self.engine.connect()
            with conn_ctx as conn:
                if self.is_sqlite:
                    conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    if not self.is_sqlite and realm_id is not None:
                        _advisory_lock(conn, realm_id)
                    yield conn

    def dispose(self) -> None:
        with self._kept_lock:
            for conn in self._kept:
                conn.close()
            self._kept.clear()
            self._keeps_readers = False
        self.engine.dispose()
