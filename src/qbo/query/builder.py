"""Building queries in Python instead of pasting text.

    select("Customer").where(col("DisplayName").like("Acme%"), col("Active") == True)
        .order_by(col("DisplayName").desc()).limit(50)

Every call returns a new builder (they are immutable, so a base query can be shared and
refined). Values become AST literals and reach text only through the printer, which
escapes them, so ``col("DisplayName") == "x' OR 1=1 --"`` is one harmless string.

Python values map to literals as follows: str -> quoted string; bool -> true/false;
int and Decimal -> bare numbers; date -> 'YYYY-MM-DD'; datetime -> ISO 8601 (with its
offset when aware); None -> null (``' '``). Floats are refused: money must not pass
through binary floats (use Decimal). The one-space string is refused too, since QBO reads
``' '`` as null.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from typing import TypeAlias

from qbo.query.ast import (
    COUNT,
    STAR,
    BooleanValue,
    Condition,
    NullValue,
    NumberValue,
    Op,
    OrderItem,
    Query,
    StringValue,
    Value,
    check_ident,
)
from qbo.query.printer import to_text
from qbo.query.validate import MAX_RESULTS, CatalogueLike, resolve
from qbo.schema.catalogue import catalogue as load_catalogue

PyLiteral: TypeAlias = str | int | Decimal | bool | date | datetime | None


def literal(value: PyLiteral) -> Value:
    """The AST literal for a Python value (see the module docstring for the mapping)."""
    if value is None:
        return NullValue()
    if isinstance(value, bool):
        return BooleanValue(value)
    if isinstance(value, int):
        return NumberValue(Decimal(value))
    if isinstance(value, Decimal):
        return NumberValue(value)
    if isinstance(value, datetime | date):
        return StringValue(value.isoformat())
    if isinstance(value, str):
        return StringValue(value)
    if isinstance(value, float):
        raise TypeError("floats are not accepted in queries; use Decimal or str")
    raise TypeError(f"cannot use a {type(value).__name__} as a query value")


class Column:
    """A property handle whose operators build :class:`Condition` and :class:`OrderItem`.

    ``==`` builds a condition rather than comparing columns, so columns are unhashable.
    """

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = check_ident(name, "property name")

    def __repr__(self) -> str:
        return f"col({self.name!r})"

    def __eq__(self, other: PyLiteral) -> Condition:  # type: ignore[override]
        return Condition(self.name, Op.EQ, literal(other))

    def __ne__(self, other: object) -> Condition:  # type: ignore[override]
        raise TypeError("QBO queries have no != operator")

    __hash__ = None  # type: ignore[assignment]

    def __lt__(self, other: PyLiteral) -> Condition:
        return Condition(self.name, Op.LT, literal(other))

    def __le__(self, other: PyLiteral) -> Condition:
        return Condition(self.name, Op.LE, literal(other))

    def __gt__(self, other: PyLiteral) -> Condition:
        return Condition(self.name, Op.GT, literal(other))

    def __ge__(self, other: PyLiteral) -> Condition:
        return Condition(self.name, Op.GE, literal(other))

    def eq(self, other: PyLiteral) -> Condition:
        """``==`` for code (and linters) that prefer a method, e.g. with None."""
        return Condition(self.name, Op.EQ, literal(other))

    def is_null(self) -> Condition:
        return Condition(self.name, Op.EQ, NullValue())

    def like(self, pattern: str) -> Condition:
        """``LIKE``: ``%`` matches any run of characters; nothing else is special."""
        if not isinstance(pattern, str):
            raise TypeError("a LIKE pattern is a str")
        return Condition(self.name, Op.LIKE, literal(pattern))

    def in_(self, values: Iterable[PyLiteral]) -> Condition:
        items = tuple(literal(v) for v in values)
        if not items:
            raise ValueError("IN needs at least one value")
        return Condition(self.name, Op.IN, items)

    def asc(self) -> OrderItem:
        return OrderItem(self.name, False)

    def desc(self) -> OrderItem:
        return OrderItem(self.name, True)


def col(name: str) -> Column:
    """A handle on property ``name`` (dotted for ``MetaData.LastUpdatedTime``)."""
    return Column(name)


@dataclass(frozen=True, slots=True)
class QueryBuilder:
    """An immutable query under construction; :meth:`build` gives the :class:`Query`."""

    query: Query

    def where(self, *conditions: Condition) -> QueryBuilder:
        """Add conditions (all must hold: QBO has only AND)."""
        return QueryBuilder(replace(self.query, where=self.query.where + tuple(conditions)))

    def order_by(self, *items: OrderItem | Column | str) -> QueryBuilder:
        """Add sort keys; a Column or name sorts ascending."""
        keys = tuple(
            item
            if isinstance(item, OrderItem)
            else OrderItem(item.name if isinstance(item, Column) else item)
            for item in items
        )
        return QueryBuilder(replace(self.query, order_by=self.query.order_by + keys))

    def fields(self, *names: str | Column) -> QueryBuilder:
        """Project to these properties (QBO adds Id)."""
        chosen = tuple(n.name if isinstance(n, Column) else n for n in names)
        return QueryBuilder(replace(self.query, select=chosen))

    def count(self) -> QueryBuilder:
        """``SELECT count(*)``."""
        return QueryBuilder(replace(self.query, select=COUNT))

    def all(self) -> QueryBuilder:
        """``SELECT *`` (the default)."""
        return QueryBuilder(replace(self.query, select=STAR))

    def limit(self, max_results: int) -> QueryBuilder:
        """``MAXRESULTS``: 1 to 1000."""
        if not 1 <= max_results <= MAX_RESULTS:
            raise ValueError(f"MAXRESULTS must be between 1 and {MAX_RESULTS}")
        return QueryBuilder(replace(self.query, max_results=max_results))

    def start_position(self, position: int) -> QueryBuilder:
        """``STARTPOSITION``, 1-based as in QBO."""
        if position < 1:
            raise ValueError("STARTPOSITION is 1-based")
        return QueryBuilder(replace(self.query, start_position=position))

    def offset(self, skip: int) -> QueryBuilder:
        """Skip ``skip`` rows (0-based): ``offset(0)`` is ``STARTPOSITION 1``."""
        if skip < 0:
            raise ValueError("offset cannot be negative")
        return self.start_position(skip + 1)

    def build(self) -> Query:
        return self.query

    def __str__(self) -> str:
        return to_text(self.query)


def select(entity: str) -> QueryBuilder:
    """Start a ``SELECT * FROM entity`` query."""
    return QueryBuilder(Query(entity))


class EntityColumns:
    """Checked column handles for one entity: ``columns("Customer").DisplayName``.

    Attribute access takes a top-level field by its exact name; indexing also takes
    dotted paths (``cols["MetaData.LastUpdatedTime"]``). Unknown names raise at once,
    so a typo fails where it is written rather than as a 4001 from the server.
    """

    __slots__ = ("_catalogue", "_entity")

    def __init__(self, entity: str, catalogue: CatalogueLike | None = None) -> None:
        if catalogue is None:
            catalogue = load_catalogue()
        found = catalogue.find_entity(entity)
        if found is None:
            raise KeyError(f"unknown entity {entity!r}")
        self._entity = found
        self._catalogue = catalogue

    def __getattr__(self, name: str) -> Column:
        if name in self._entity.fields:
            return Column(name)
        raise AttributeError(f"{self._entity.name} has no field {name!r}")

    def __getitem__(self, name: str) -> Column:
        prop = resolve(self._entity, self._catalogue, name)
        if prop is None:
            raise KeyError(f"{self._entity.name} has no property {name!r}")
        return Column(prop.name)

    def __dir__(self) -> list[str]:
        return sorted(self._entity.fields)


def columns(entity: str, catalogue: CatalogueLike | None = None) -> EntityColumns:
    """Column handles checked against the catalogue (the process-wide one by default)."""
    return EntityColumns(entity, catalogue)
