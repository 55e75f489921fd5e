"""The emulator database's schema versions (Alembic scripts in ``versions/``).

:func:`open_database` runs when an emulator opens: a new database gets the head schema
and its stamp; one made by an older emulator is upgraded; one made by a newer emulator is
refused (:class:`qbo.migrations.SchemaVersionError`). The revision is kept in
``qbo_emulator_version``, apart from any other component's in the same database.

A change to a table definition (``store/tables.py``, ``oauth/tables.py``,
``delivery_tables.py``) needs a new script here that makes the same change to existing
databases; the head schema of a new database always comes from the definitions.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection

from qbo.emulator.oauth.tables import define as define_oauth_tables
from qbo.emulator.store import Store
from qbo.emulator.store.delivery_tables import define as define_delivery_tables
from qbo.migrations import Versioning, open_versioned

EMULATOR_SCHEMA = Versioning(
    what="emulator database",
    scripts=Path(__file__).parent,
    version_table="qbo_emulator_version",
    baseline="0001",
    marker_table="realms",
)


def define_all(store: Store) -> None:
    """Put every table of the emulator on the store's metadata."""
    define_delivery_tables(store.tables.metadata)
    define_oauth_tables(store.tables.metadata)


def open_database(store: Store) -> str:
    """Bring the store's database to the head schema; returns its revision."""
    define_all(store)

    def create_head(conn: Connection) -> None:
        store.tables.metadata.create_all(conn)

    # one opener at a time: SQLite's write transaction, PostgreSQL's advisory lock
    with store.write("qbo_emulator_schema") as conn:
        return open_versioned(conn, EMULATOR_SCHEMA, create_head)
