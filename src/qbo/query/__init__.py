"""QBO's query language, implemented once for the client and the emulator.

Pipeline: text --:func:`parse`--> :class:`Query` (syntax only; 4000 faults)
--:func:`validate`--> :class:`ValidatedQuery` (catalogue-checked, typed values; 4001)
--> an executor: the emulator's SQL compiler, or :func:`evaluate` in plain Python.
:func:`to_text` prints a Query back as canonical, injection-safe text, and
:func:`select`/:func:`col` build Queries in code.
"""

from qbo.query.ast import (
    COUNT,
    STAR,
    BooleanValue,
    Condition,
    Count,
    NullValue,
    NumberValue,
    Op,
    OrderItem,
    Query,
    Selection,
    Star,
    StringValue,
    Value,
)
from qbo.query.builder import (
    Column,
    EntityColumns,
    PyLiteral,
    QueryBuilder,
    col,
    columns,
    literal,
    select,
)
from qbo.query.evaluator import QueryResult, evaluate, id_key, like_regex
from qbo.query.parser import parse
from qbo.query.printer import quote, to_text
from qbo.query.validate import (
    DEFAULT_MAX_RESULTS,
    MAX_RESULTS,
    CatalogueLike,
    Filter,
    Prop,
    Sort,
    ValidatedQuery,
    needs_active_filter,
    parse_and_validate,
    validate,
)
from qbo.query.values import PyValue, fold, in_zone

default_max_results = DEFAULT_MAX_RESULTS  # the spelling the issue asked for

__all__ = [
    "COUNT",
    "DEFAULT_MAX_RESULTS",
    "MAX_RESULTS",
    "STAR",
    "BooleanValue",
    "CatalogueLike",
    "Column",
    "Condition",
    "Count",
    "EntityColumns",
    "Filter",
    "NullValue",
    "NumberValue",
    "Op",
    "OrderItem",
    "Prop",
    "PyLiteral",
    "PyValue",
    "Query",
    "QueryBuilder",
    "QueryResult",
    "Selection",
    "Sort",
    "Star",
    "StringValue",
    "ValidatedQuery",
    "Value",
    "col",
    "columns",
    "default_max_results",
    "evaluate",
    "fold",
    "id_key",
    "in_zone",
    "like_regex",
    "literal",
    "needs_active_filter",
    "parse",
    "parse_and_validate",
    "quote",
    "select",
    "to_text",
    "validate",
]
