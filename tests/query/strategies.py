"""Hypothesis strategies for query trees and query-like text."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import strategies as st

from qbo.query.ast import (
    COUNT,
    MAX_PAGING_VALUE,
    NULL_TEXT,
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
)

# Names that look like keywords are the interesting ones: they must still round-trip.
TRICKY_NAMES = [
    "select", "FROM", "Where", "and", "AND", "orderby", "asc", "DESC", "in", "like",
    "true", "False", "count", "startposition", "MAXRESULTS", "OR", "null",
    "MetaData.CreateTime", "MetaData.LastUpdatedTime", "_x", "a.b.c",
]  # fmt: skip

_FIRST = "abcxyzABCXYZ_"
_REST = _FIRST + "0123456789"
_segment = st.builds(lambda a, b: a + b, st.sampled_from(_FIRST), st.text(_REST, max_size=8))

idents = st.one_of(
    st.sampled_from(TRICKY_NAMES),
    st.lists(_segment, min_size=1, max_size=3).map(".".join),
)

# Text with the characters that matter to quoting, plus anything at all.
nasty_text = st.one_of(
    st.text(alphabet=st.sampled_from(list("'\\ %a,()=;\n\t\"")), max_size=12),
    st.text(max_size=20),
    st.sampled_from(["' OR 1=1 --", "'; DROP TABLE x; --", "\\", "\\'", "'", "", "  "]),
).filter(lambda s: s != NULL_TEXT)

decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: abs(d.adjusted()) < 60
)

values: st.SearchStrategy[Value] = st.one_of(
    nasty_text.map(StringValue),
    decimals.map(NumberValue),
    st.integers(-(10**30), 10**30).map(lambda i: NumberValue(Decimal(i))),
    st.booleans().map(BooleanValue),
    st.just(NullValue()),
)

single_ops = st.sampled_from([Op.EQ, Op.LT, Op.GT, Op.LE, Op.GE, Op.LIKE])

conditions = st.one_of(
    st.builds(Condition, idents, single_ops, values),
    st.builds(
        lambda prop, items: Condition(prop, Op.IN, tuple(items)),
        idents,
        st.lists(values, min_size=1, max_size=4),
    ),
)

order_items = st.builds(OrderItem, idents, st.booleans())

paging = st.one_of(st.none(), st.integers(-MAX_PAGING_VALUE, MAX_PAGING_VALUE))

selections = st.one_of(
    st.just(STAR),
    st.just(COUNT),
    st.lists(idents, min_size=1, max_size=4).map(tuple),
)

queries = st.builds(
    Query,
    entity=idents,
    select=selections,
    where=st.lists(conditions, max_size=4).map(tuple),
    order_by=st.lists(order_items, max_size=3).map(tuple),
    start_position=paging,
    max_results=paging,
)
