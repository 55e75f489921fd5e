"""Engines and transactions for SQLite (file or memory) and PostgreSQL.

SQLite runs in WAL mode with a busy timeout, so readers never block the writer and an
acknowledged write survives the process being killed. Writes are serialised per realm:
in-process by a lock (SQLite has one writer anyway) and, on PostgreSQL, by a
transaction-scoped advisory lock so several emulator processes may share a database.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.pool import StaticPool

from qbo.emulator.store.tables import Tables
from qbo.private_files import create_private_sqlite

DEFAULT_DB_DIR = Path(".qbo")


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
            mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
            conn.exec_driver_sql(f"BEGIN {mode}")

        return engine
    engine = create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)
    if schema:

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            cur.execute(f'SET search_path TO "{schema}"')
            cur.close()
            dbapi_conn.commit()

    return engine


class Store:
    """The emulator's database: tables plus read and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.tables = Tables.build()
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._write_lock = threading.RLock()
        # An in-memory database is one connection shared by every thread (StaticPool): a
        # read must not interleave with another thread's transaction on it, so reads take
        # the write lock too (a background task such as webhook delivery reads while
        # requests write).
        self._shared_connection = isinstance(engine.pool, StaticPool)

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (a consistent snapshot on both databases)."""
        if self._shared_connection:
            with self._write_lock, self.engine.connect() as conn, conn.begin():
                yield conn
            return
        with self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self, realm_id: str | None = None) -> Iterator[Connection]:
        """A write transaction, serialised per realm; rolls back on any exception."""
        with self._write_lock:
            conn_ctx = self.engine.connect()
            with conn_ctx as conn:
                if self.is_sqlite:
                    conn = conn.execution_options(sqlite_begin="IMMEDIATE")
                with conn.begin():
                    if not self.is_sqlite and realm_id is not None:
                        key = int.from_bytes(
                            hashlib.sha256(realm_id.encode()).digest()[:8], "big", signed=True
                        )
                        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})
                    yield conn

    def dispose(self) -> None:
        self.engine.dispose()
