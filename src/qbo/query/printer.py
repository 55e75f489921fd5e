"""AST to canonical QBO query text.

This is the only way our code writes query text (the client's builder, logs, the
emulator's tests), so it carries the injection guarantee: every value is a quoted literal
with backslashes and quotes escaped, and names are checked identifiers (the AST refuses
anything else), so no user string can add a condition, an OR, or end the query early.
``parse(to_text(q)) == q`` holds for every tree.

Canonical form: upper-case keywords, ``count(*)``, ``true``/``false``, null as ``' '``,
bare numbers in plain (never exponent) notation, ``DESC`` written and ``ASC`` left out.
"""

from __future__ import annotations

from qbo.query.ast import (
    NULL_TEXT,
    BooleanValue,
    Condition,
    Count,
    NullValue,
    NumberValue,
    Op,
    OrderItem,
    Query,
    Star,
    StringValue,
    Value,
)


def quote(text: str) -> str:
    """A string as a QBO literal: ``\\`` becomes ``\\\\`` and ``'`` becomes ``\\'``."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def value_text(value: Value) -> str:
    """One value as it is written in a query."""
    if isinstance(value, StringValue):
        return quote(value.text)
    if isinstance(value, NumberValue):
        return format(value.value, "f")
    if isinstance(value, BooleanValue):
        return "true" if value.value else "false"
    if isinstance(value, NullValue):
        return quote(NULL_TEXT)
    raise TypeError(f"not a query value node: {value!r}")


def condition_text(cond: Condition) -> str:
    if isinstance(cond.value, tuple):
        items = ", ".join(value_text(v) for v in cond.value)
        return f"{cond.prop} {Op.IN.value} ({items})"
    return f"{cond.prop} {cond.op.value} {value_text(cond.value)}"


def order_text(item: OrderItem) -> str:
    return f"{item.prop} DESC" if item.descending else item.prop


def to_text(query: Query) -> str:
    """The canonical text of ``query``; parsing it gives back an equal Query."""
    if isinstance(query.select, Star):
        selection = ", ".join(("*", *query.select.also))
    elif isinstance(query.select, Count):
        selection = "count(*)"
    else:
        selection = ", ".join(query.select)
    parts = [f"SELECT {selection} FROM {query.entity}"]
    if query.where:
        parts.append("WHERE " + " AND ".join(condition_text(c) for c in query.where))
    if query.order_by:
        parts.append("ORDERBY " + ", ".join(order_text(o) for o in query.order_by))
    if query.start_position is not None:
        parts.append(f"STARTPOSITION {query.start_position}")
    if query.max_results is not None:
        parts.append(f"MAXRESULTS {query.max_results}")
    return " ".join(parts)
