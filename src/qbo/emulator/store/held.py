"""Writes held back inside a seed's bulk block and sent many rows per statement.

A seed writes tens of thousands of objects in one transaction; one INSERT per entity row,
ledger row and change-log row is most of its time (a round trip each on PostgreSQL). While
a :class:`HeldWrites` is open on a session, those rows are kept here and written with one
``executemany`` per statement when the block ends, when enough have piled up, or before
anything reads the database. Nothing is decided differently: the domain still validates
and posts every object one by one, only the rows it writes travel together.

Sequences advance in memory (their current value is read once) and are written with the
rows. Lookups by a query column that the seed's own rules make (a DisplayName already
taken, a DocNumber in use) are answered from a :class:`ColumnIndex` of the realm's values,
read once and kept up to date by every write, instead of a query per object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection

from qbo.emulator.store.driver_sql import DriverStatement

#: Rows held before they are written anyway (keeps memory and statement sizes bounded).
FLUSH_ROWS = 10_000


@dataclass
class ColumnIndex:
    """Which ids hold each value of one query column (values as stored in the column)."""

    ids: dict[Any, set[int]] = field(default_factory=dict)
    values: dict[int, Any] = field(default_factory=dict)

    def put(self, object_id: int, value: Any) -> None:
        if object_id in self.values:
            self.drop(object_id)
        self.values[object_id] = value
        if value is not None:
            self.ids.setdefault(value, set()).add(object_id)

    def drop(self, object_id: int) -> None:
        if object_id not in self.values:
            return
        value = self.values.pop(object_id)
        held = self.ids.get(value)
        if held is not None:
            held.discard(object_id)

    def find(self, value: Any, limit: int) -> list[int]:
        """Ids holding ``value``, ascending, at most ``limit`` (as the SQL lookup orders)."""
        return sorted(self.ids.get(value, ()))[:limit]


@dataclass
class Sequence:
    """A per-realm sequence advanced in memory: its value and whether its row exists."""

    value: int | None
    stored: bool
    dirty: bool = False


class HeldWrites:
    """Rows waiting to be written, grouped by statement.

    Inserts make distinct new rows, so they commute and are grouped per statement.
    Updates may hit the same row twice, so they keep their order (consecutive updates of
    one statement share a run). Writing runs the inserts first, then the updates: an
    update only targets a row that exists, in the database or among the inserts.
    """

    def __init__(self) -> None:
        self._inserts: dict[tuple[Any, ...], tuple[DriverStatement, list[dict[str, Any]]]] = {}
        self._updates: list[tuple[tuple[Any, ...], DriverStatement, list[dict[str, Any]]]] = []
        self._rows = 0
        self.sequences: dict[str, Sequence] = {}
        #: Column indexes by entity and property, each loaded on its first lookup.
        self.indexes: dict[str, dict[str, ColumnIndex]] = {}

    def insert(self, key: tuple[Any, ...], statement: DriverStatement, row: dict[str, Any]) -> None:
        group = self._inserts.get(key)
        if group is None:
            group = self._inserts[key] = (statement, [])
        group[1].append(row)
        self._rows += 1

    def update(self, key: tuple[Any, ...], statement: DriverStatement, row: dict[str, Any]) -> None:
        if self._updates and self._updates[-1][0] == key:
            self._updates[-1][2].append(row)
        else:
            self._updates.append((key, statement, [row]))
        self._rows += 1

    @property
    def full(self) -> bool:
        return self._rows >= FLUSH_ROWS

    def index_rows(self, entity: str, object_id: int, row: dict[str, Any]) -> None:
        """Bring the entity's loaded indexes along with a row written (its query columns)."""
        for column, index in self.indexes.get(entity, {}).items():
            if column in row:
                index.put(object_id, row[column])

    def unindex(self, entity: str, object_id: int) -> None:
        for index in self.indexes.get(entity, {}).values():
            index.drop(object_id)

    def write(self, conn: Connection) -> None:
        """Send every held row, inserts first, and forget them."""
        inserts, updates = self._inserts, self._updates
        self._inserts, self._updates, self._rows = {}, [], 0
        for statement, rows in inserts.values():
            statement.run_many(conn, rows)
        for _, statement, rows in updates:
            statement.run_many(conn, rows)
