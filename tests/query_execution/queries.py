"""Random valid queries over a company's data, as ``qbo.query`` syntax trees.

Values are drawn mostly from what the company holds (case-changed, shifted, re-spelt:
quoted numbers, naive or offset datetimes, ids with leading zeros) so filters hit rows,
and partly at random so they miss, straddle and overflow. Every operator, IN lists with
null, LIKE patterns of every shape, multi-key ORDERBY, paging, count(*) and projections.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, timedelta, timezone
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from qbo.query import (
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
)
from qbo.query.values import TEXT_KINDS, is_id_like, read_datetime
from qbo.schema import EntityDef, FieldDef, Kind, catalogue

ENTITIES = ["Customer", "Vendor", "Item", "Account", "Invoice"]
META = ("MetaData.CreateTime", "MetaData.LastUpdatedTime")


def query_props(entity: EntityDef) -> list[tuple[str, FieldDef]]:
    """Filterable top-level scalar properties, plus the MetaData times."""
    props = [
        (f.name, f)
        for f in entity.fields.values()
        if f.filterable and not f.many and f.kind is not Kind.OBJECT
    ]
    meta = catalogue().type("ModificationMetaData").fields
    props += [(f"MetaData.{name}", meta[name]) for name in ("CreateTime", "LastUpdatedTime")]
    return props


def raw_values(docs: Sequence[Mapping[str, Any]], name: str) -> list[Any]:
    out = []
    for doc in docs:
        value: Any = doc
        for key in name.split("."):
            value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, Mapping):
            value = value.get("value")
        if value is not None:
            out.append(value)
    return out


def case_variants(text: str) -> st.SearchStrategy[str]:
    return st.sampled_from([text, text.upper(), text.lower(), text.swapcase(), text.title()])


def _string(text: str) -> Value:
    return NullValue() if text == " " else StringValue(text)


_nasty = st.text(alphabet="aAzZéÉßü0123456789 '%_\\\"-:", max_size=6)


def _datetime_texts(raw: str) -> st.SearchStrategy[str]:
    moment = read_datetime(raw)
    assert moment is not None
    shift = st.integers(-3, 3).map(lambda s: timedelta(seconds=s)) | st.integers(
        -200_000, 200_000
    ).map(lambda s: timedelta(seconds=s))

    def spell(delta: timedelta, style: int, micro: int) -> str:
        m = moment + delta
        if micro:
            m = m.replace(microsecond=micro)
        if style == 0:
            return m.isoformat()
        if style == 1:
            return m.astimezone(timezone(timedelta(hours=5, minutes=45))).isoformat()
        if style == 2:
            return m.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if style == 3:
            return m.replace(tzinfo=None).isoformat()  # naive: read in the company's zone
        return m.date().isoformat()  # a date for a datetime: midnight in the company's zone

    return st.builds(spell, shift, st.integers(0, 4), st.sampled_from([0, 0, 0, 1, 500_000, 999]))


def values_for(field: FieldDef, observed: list[Any]) -> st.SearchStrategy[Value]:
    """Query values for one property, from what is stored and from nowhere."""
    kind = field.kind
    options: list[st.SearchStrategy[Value]] = [st.just(NullValue())]
    if is_id_like(field):
        ids = [str(v) for v in observed] or ["1"]
        options += [
            st.sampled_from(ids).map(StringValue),
            st.sampled_from(ids).map(
                lambda i: NumberValue(Decimal(i)) if i.isdigit() else StringValue(i)
            ),
            st.sampled_from(ids).map(lambda i: StringValue("00" + i)),
            st.integers(0, 60).map(lambda i: StringValue(str(i))),
            st.sampled_from(["abc", "USD", "99999999999999999999999", "-1", "1.0", "TAX"]).map(
                StringValue
            ),
        ]
    elif kind in TEXT_KINDS:
        texts = [str(v) for v in observed] or ["x"]
        options += [
            st.sampled_from(texts).flatmap(case_variants).map(_string),
            _nasty.map(_string),
        ]
        if field.enum_values:
            options.append(st.sampled_from(field.enum_values).flatmap(case_variants).map(_string))
    elif kind in (Kind.DECIMAL, Kind.INTEGER):
        numbers = [Decimal(str(v)) for v in observed] or [Decimal(0)]
        numbers_st = (
            st.sampled_from(numbers)
            | st.decimals(min_value=-100, max_value=6000, places=2)
            | st.integers(-5, 5).map(Decimal)
        )
        options += [
            numbers_st.map(NumberValue),
            numbers_st.map(lambda d: StringValue(format(d, "f"))),  # quoted numbers
        ]
    elif kind is Kind.BOOLEAN:
        options += [
            st.booleans().map(BooleanValue),
            st.sampled_from(["true", "FALSE", "True"]).map(StringValue),
        ]
    elif kind is Kind.DATE:
        stored = [date.fromisoformat(str(v)[:10]) for v in observed] or [date(2026, 1, 1)]
        day = st.sampled_from(stored) | st.dates(date(2024, 12, 1), date(2026, 3, 1))
        options += [
            st.builds(
                lambda d, n: (d + timedelta(days=n)).isoformat(), day, st.integers(-2, 2)
            ).map(StringValue),
            day.map(lambda d: StringValue(d.isoformat() + "T10:00:00")),
        ]
    elif kind is Kind.DATETIME:
        stored_times = [str(v) for v in observed] or ["2026-01-01T00:00:00Z"]
        options.append(st.sampled_from(stored_times).flatmap(_datetime_texts).map(StringValue))
    return st.one_of(*options)


def _like_patterns(observed: list[Any]) -> st.SearchStrategy[str]:
    texts = [str(v) for v in observed if isinstance(v, str)] or ["acme"]

    def cut(text: str, a: int, b: int, shape: int) -> str:
        i, j = sorted((a % (len(text) + 1), b % (len(text) + 1)))
        if shape == 0:
            return text[:j] + "%"  # prefix
        if shape == 1:
            return "%" + text[i:]  # suffix
        if shape == 2:
            return "%" + text[i:j] + "%"  # infix
        if shape == 3:
            return text  # no %
        if shape == 4:
            return text[:i] + "%" + text[j:]  # both ends fixed
        # _ where the text has another character: literal in QBO, so this must miss
        return "%" + text[i : i + 1] + "_" + text[i + 2 : j] + "%"

    cut_st = st.builds(
        cut, st.sampled_from(texts), st.integers(0, 50), st.integers(0, 50), st.integers(0, 5)
    ).flatmap(case_variants)
    pattern = st.one_of(cut_st, cut_st, cut_st, cut_st, _nasty, st.sampled_from(["%", "%%"]))
    return pattern.filter(lambda p: p != " ")


def _random_case(name: str) -> st.SearchStrategy[str]:
    return st.sampled_from([name, name, name.lower(), name.upper()])


@st.composite
def conditions(
    draw: st.DrawFn, props: list[tuple[str, FieldDef]], docs: Sequence[Mapping[str, Any]]
) -> Condition:
    name, field = draw(st.sampled_from(props))
    observed = raw_values(docs, name)
    written = draw(_random_case(name))
    ops = [Op.EQ, Op.LT, Op.GT, Op.LE, Op.GE, Op.IN]
    if field.kind in TEXT_KINDS and not is_id_like(field):
        ops += [Op.LIKE] * 4
    op = draw(st.sampled_from(ops))
    if op is Op.LIKE:
        return Condition(written, op, StringValue(draw(_like_patterns(observed))))
    values = values_for(field, observed)
    if op is Op.IN:
        return Condition(written, op, tuple(draw(st.lists(values, min_size=1, max_size=4))))
    return Condition(written, op, draw(values))


def _prefer_present(
    props: list[tuple[str, FieldDef]], docs: Sequence[Mapping[str, Any]]
) -> list[tuple[str, FieldDef]]:
    """Weighted: properties some rows hold and others lack (where null handling shows)
    four times, those every row holds twice, the rest once."""
    weighted: list[tuple[str, FieldDef]] = []
    for prop in props:
        held = sum(1 for doc in docs if raw_values([doc], prop[0]))
        weighted += [prop] * (4 if 0 < held < len(docs) else 2 if held else 1)
    return weighted


@st.composite
def queries(draw: st.DrawFn, entity_name: str, docs: Sequence[Mapping[str, Any]]) -> Query:
    entity = catalogue().entity(entity_name)
    props = _prefer_present(query_props(entity), docs)
    where = tuple(
        draw(
            st.lists(
                conditions(props, docs), min_size=draw(st.sampled_from([0, 1, 1, 1])), max_size=3
            )
        )
    )
    sortable = [p for p in props if p[1].sortable]
    order = tuple(
        draw(
            st.lists(
                st.builds(
                    OrderItem,
                    st.sampled_from(sortable).flatmap(lambda p: _random_case(p[0])),
                    st.booleans(),
                ),
                min_size=draw(st.sampled_from([0, 1, 1])),
                max_size=3,
            )
        )
    )
    selection = draw(st.sampled_from(["star", "star", "star", "count", "fields"]))
    select: Any = STAR if selection == "star" else COUNT
    if selection == "fields":
        extra = [n for n in ("Line", "MetaData", "CurrencyRef") if n in entity.fields]
        names = [n for n, _ in props] + extra
        select = tuple(draw(st.lists(st.sampled_from(names), min_size=1, max_size=3)))
    size = len(docs) + 2
    start = draw(st.none() | st.integers(1, size))
    limit = draw(st.none() | st.integers(1, size) | st.just(1000))
    return Query(entity_name, select, where, order, start, limit)
