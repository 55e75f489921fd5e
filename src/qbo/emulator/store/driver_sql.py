"""The hottest statements run straight on the database driver.

SQLAlchemy's execution of a prepared statement (events, result metadata, cache keys)
costs several times what SQLite itself spends on a lookup by primary key, and a read by
id is exactly one such lookup. A :class:`DriverStatement` is such a statement compiled
once for the engine's dialect and run on the DBAPI cursor of the same connection, so it
is inside the request's transaction like any other statement. Only statements whose
parameters need no type conversion (text and integers) belong here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


@dataclass(frozen=True)
class DriverStatement:
    """A statement's SQL text for one dialect and the order of its parameters."""

    sql: str
    #: Parameter names in order for positional styles (SQLite's ``?``), None for named.
    order: tuple[str, ...] | None

    @classmethod
    def of(cls, statement: ClauseElement, dialect: Dialect) -> DriverStatement:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        return cls(str(compiled), order)

    def first(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first row the statement finds (a tuple), or None."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            if self.order is None:
                cursor.execute(self.sql, params)
            else:
                cursor.execute(self.sql, tuple(params[name] for name in self.order))
            return cursor.fetchone()
        finally:
            cursor.close()
