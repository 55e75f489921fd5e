"""The hottest statements run straight on the database driver.

SQLAlchemy's execution of a prepared statement (events, result metadata, cache keys)
costs several times what SQLite itself spends on a lookup by primary key, and a read by
id is exactly one such lookup. A :class:`DriverStatement` is such a statement compiled
once for the engine's dialect and run on the DBAPI cursor of the same connection, so it
is inside the request's transaction like any other statement. Only statements whose
parameters need no type conversion belong here: text, integers, floats, booleans and
NULL, which is all an entity row holds (its query columns are encoded to those, its
document is JSON text).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

#: Value types every driver binds as they are.
_PLAIN = frozenset({str, int, float, bool})


@dataclass(frozen=True)
class DriverStatement:
    """A statement's SQL text for one dialect and the order of its parameters."""

    sql: str
    #: Parameter names in order for positional styles (SQLite's ``?``), None for named.
    order: tuple[str, ...] | None
    #: Values the statement binds itself (the ``1`` of ``value + 1``).
    fixed: tuple[tuple[str, Any], ...] = ()

    @classmethod
    def of(
        cls,
        statement: ClauseElement,
        dialect: Dialect,
        column_keys: tuple[str, ...] | None = None,
    ) -> DriverStatement:
        """``statement`` compiled for ``dialect``; an INSERT or UPDATE without values
        sets ``column_keys`` (the keys of the rows it will be given)."""
        compiled = statement.compile(
            dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None
        )
        return cls._of_compiled(compiled)

    @classmethod
    def bound(cls, statement: ClauseElement, dialect: Dialect) -> DriverStatement | None:
        """``statement`` with every value it binds, when all of them are plain text,
        numbers or booleans the driver takes as they are (a query's page, say); None when
        one needs SQLAlchemy's conversion (a date, a Decimal, NULL, an expanding IN list)."""
        compiled = statement.compile(dialect=dialect)
        values = compiled.params.values()
        if "POSTCOMPILE" in str(compiled) or any(type(v) not in _PLAIN for v in values):
            return None
        return cls._of_compiled(compiled)

    @classmethod
    def _of_compiled(cls, compiled: Any) -> DriverStatement:
        assert isinstance(compiled, SQLCompiler)
        order = tuple(compiled.positiontup or ()) if compiled.positional else None
        fixed = tuple((name, value) for name, value in compiled.params.items() if value is not None)
        return cls(str(compiled), order, fixed)

    @cached_property
    def _pick(self) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
        """The positional parameters out of a dict of named ones (C speed: itemgetter)."""
        order = self.order or ()
        if len(order) == 1:
            name = order[0]
            return lambda params: (params[name],)
        return itemgetter(*order)

    def _args(self, params: dict[str, Any]) -> Any:
        if self.fixed:
            params = {**dict(self.fixed), **params}
        return params if self.order is None else self._pick(params)

    def first(self, conn: Connection, params: dict[str, Any]) -> Any:
        """The first row the statement finds or returns (a tuple), or None."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, self._args(params))
            return cursor.fetchone()
        finally:
            cursor.close()

    def all(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """Every row the statement finds."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, self._args(params))
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def run(self, conn: Connection, params: dict[str, Any]) -> None:
        """Run a statement that returns nothing (an INSERT, UPDATE or DELETE)."""
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, self._args(params))
        finally:
            cursor.close()

    def run_many(self, conn: Connection, rows: list[dict[str, Any]]) -> None:
        """Run the statement once per row in one ``executemany`` (pipelined on psycopg)."""
        if not rows:
            return
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, [self._args(row) for row in rows])
        finally:
            cursor.close()
