"""A company's rows kept in memory, put back in one transaction: test companies in
milliseconds instead of a reseed.

Seeding the demo company writes a year of books through the domain rules (about a
second); restoring its rows is a delete and one multi-row insert per table. A snapshot
holds the rows of every table keyed by realm that a reset clears (the entities, the
number sequences, the requestid log, the change log and the ledger), so a restored
company is the seeded one exactly, its change log and ledger included.

Rows travel as the database driver reads and writes them (no type conversion either way),
which keeps a restore to the driver's own ``executemany``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table


@dataclass(frozen=True)
class RealmSnapshot:
    """Every row of one realm, table by table (values as the driver returned them)."""

    realm_id: str
    rows: Mapping[str, tuple[tuple[Any, ...], ...]]

    @property
    def size(self) -> int:
        return sum(len(rows) for rows in self.rows.values())


def _marker(conn: Connection) -> str:
    return "?" if conn.dialect.paramstyle in ("qmark", "numeric") else "%s"


def _names(conn: Connection, table: Table) -> tuple[str, str]:
    """The table's quoted name and its quoted column list, in definition order."""
    quote = conn.dialect.identifier_preparer
    columns = ", ".join(quote.quote(c.name) for c in table.columns)
    return quote.format_table(table), columns


def take(conn: Connection, tables: Iterable[Table], realm_id: str) -> RealmSnapshot:
    """The realm's rows of ``tables``, read in the caller's transaction."""
    rows: dict[str, tuple[tuple[Any, ...], ...]] = {}
    marker = _marker(conn)
    for table in tables:
        name, columns = _names(conn, table)
        found = conn.exec_driver_sql(
            f"SELECT {columns} FROM {name} WHERE realm_id = {marker}", (realm_id,)
        )
        rows[table.name] = tuple(tuple(row) for row in found)
    return RealmSnapshot(realm_id, rows)


def restore(conn: Connection, tables: Iterable[Table], snapshot: RealmSnapshot) -> None:
    """Replace the realm's rows of ``tables`` with the snapshot's, in the caller's
    transaction (tables the snapshot does not know are emptied for the realm)."""
    marker = _marker(conn)
    for table in tables:
        name, columns = _names(conn, table)
        conn.exec_driver_sql(f"DELETE FROM {name} WHERE realm_id = {marker}", (snapshot.realm_id,))
        rows = snapshot.rows.get(table.name, ())
        if rows:
            markers = ", ".join([marker] * len(table.columns))
            conn.exec_driver_sql(f"INSERT INTO {name} ({columns}) VALUES ({markers})", list(rows))
