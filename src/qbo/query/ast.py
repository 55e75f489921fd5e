"""The syntax tree of a QBO query.

The tree records what the text *says*, not what it means: a quoted value stays a string
(``'300.00'`` is a :class:`StringValue` even when it is compared with an amount), because
only the catalogue knows a property's kind, and :mod:`qbo.query.validate` does that
interpretation. Every node is a frozen dataclass with structural equality, so
``parse(to_text(q)) == q`` is a meaningful check and trees can be cached and shared.

Nodes check their own invariants on construction (identifiers are identifiers, IN has a
non-empty list, numbers are finite) so a tree that exists can always be printed as text
that parses back to the same tree: a caller's string can never smuggle syntax into a query
through a node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

# A property or entity name: an identifier, optionally dotted (``MetaData.CreateTime``).
IDENT_PATTERN = r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*"
_IDENT_RE = re.compile(IDENT_PATTERN)

# STARTPOSITION and MAXRESULTS must print as plain integers that Python can also read back
# (CPython refuses int() of more than 4300 digits); 64 bits is far beyond any real use.
MAX_PAGING_VALUE = 2**63 - 1


class Op(StrEnum):
    """A comparison operator, spelt as it is printed."""

    EQ = "="
    LT = "<"
    GT = ">"
    LE = "<="
    GE = ">="
    IN = "IN"
    LIKE = "LIKE"


def check_ident(name: str, what: str = "identifier") -> str:
    """Return ``name`` if it is a (possibly dotted) identifier, else raise ValueError."""
    if not isinstance(name, str) or _IDENT_RE.fullmatch(name) is None:
        raise ValueError(f"not a valid {what}: {name!r}")
    return name


@dataclass(frozen=True, slots=True)
class StringValue:
    """A quoted value, unescaped (``'O\\'Brien'`` holds ``O'Brien``).

    The text is kept raw: whether it is a name, a date, an amount or an Id is decided by
    validation against the property's kind. A value that is exactly one space cannot be a
    string, because QBO writes null as ``' '``; use :class:`NullValue`.
    """

    text: str

    def __post_init__(self) -> None:
        if not isinstance(self.text, str):
            raise TypeError(f"StringValue needs a str, got {type(self.text).__name__}")
        if self.text == NULL_TEXT:
            raise ValueError("a one-space string means null in QBO's query language; use NullValue")


@dataclass(frozen=True, slots=True)
class NumberValue:
    """A bare (unquoted) number such as ``300.00`` or ``-5``."""

    value: Decimal

    def __post_init__(self) -> None:
        if not isinstance(self.value, Decimal):
            raise TypeError(f"NumberValue needs a Decimal, got {type(self.value).__name__}")
        if not self.value.is_finite():
            raise ValueError(f"a query number must be finite, got {self.value}")


@dataclass(frozen=True, slots=True)
class BooleanValue:
    """A bare ``true`` or ``false``."""

    value: bool

    def __post_init__(self) -> None:
        if not isinstance(self.value, bool):
            raise TypeError(f"BooleanValue needs a bool, got {type(self.value).__name__}")


@dataclass(frozen=True, slots=True)
class NullValue:
    """Null, written ``' '`` (a quoted single space) in QBO's language."""


NULL_TEXT = " "

Value: TypeAlias = StringValue | NumberValue | BooleanValue | NullValue


@dataclass(frozen=True, slots=True)
class Star:
    """``SELECT *``: whole entities.

    ``also`` holds fields named after the star (``SELECT *, Sku FROM Item``), which QBO
    accepts; they are part of the whole entity already, so they change no answer, but
    they are checked like any field name and printed back.
    """

    also: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Count:
    """``SELECT count(*)``: only the number of matching rows."""


Selection: TypeAlias = Star | Count | tuple[str, ...]

STAR = Star()
COUNT = Count()


@dataclass(frozen=True, slots=True)
class Condition:
    """One ``prop op value`` term; a WHERE clause is a conjunction of these.

    ``value`` is a tuple exactly when ``op`` is IN (the list, in written order).
    """

    prop: str
    op: Op
    value: Value | tuple[Value, ...]

    def __post_init__(self) -> None:
        check_ident(self.prop, "property name")
        object.__setattr__(self, "op", Op(self.op))
        if self.op is Op.IN:
            if not isinstance(self.value, tuple) or not self.value:
                raise ValueError("IN needs a non-empty tuple of values")
            for item in self.value:
                _check_value(item)
        else:
            if isinstance(self.value, tuple):
                raise ValueError(f"{self.op.value} takes one value, not a list")
            _check_value(self.value)


def _check_value(value: object) -> None:
    if not isinstance(value, StringValue | NumberValue | BooleanValue | NullValue):
        raise TypeError(f"not a query value node: {value!r}")


@dataclass(frozen=True, slots=True)
class OrderItem:
    """One ORDERBY key. ``ORDERBY X`` and ``ORDERBY X ASC`` are the same tree."""

    prop: str
    descending: bool = False

    def __post_init__(self) -> None:
        check_ident(self.prop, "property name")
        if not isinstance(self.descending, bool):
            raise TypeError("descending must be a bool")


@dataclass(frozen=True, slots=True)
class Query:
    """A whole query. ``None`` paging means "not written" (validation applies defaults)."""

    entity: str
    select: Selection = STAR
    where: tuple[Condition, ...] = ()
    order_by: tuple[OrderItem, ...] = ()
    start_position: int | None = None
    max_results: int | None = None

    def __post_init__(self) -> None:
        check_ident(self.entity, "entity name")
        if isinstance(self.select, tuple):
            if not self.select:
                raise ValueError("a projection needs at least one field")
            for name in self.select:
                check_ident(name, "field name")
        elif not isinstance(self.select, Star | Count):
            raise TypeError(f"select must be Star, Count or a tuple of names, got {self.select!r}")
        object.__setattr__(self, "where", tuple(self.where))
        object.__setattr__(self, "order_by", tuple(self.order_by))
        for cond in self.where:
            if not isinstance(cond, Condition):
                raise TypeError(f"not a Condition: {cond!r}")
        for item in self.order_by:
            if not isinstance(item, OrderItem):
                raise TypeError(f"not an OrderItem: {item!r}")
        for name in ("start_position", "max_results"):
            number = getattr(self, name)
            if number is None:
                continue
            if isinstance(number, bool) or not isinstance(number, int):
                raise TypeError(f"{name} must be an int or None")
            if abs(number) > MAX_PAGING_VALUE:
                raise ValueError(f"{name} is out of range: {number}")

    @property
    def is_count(self) -> bool:
        return isinstance(self.select, Count)
