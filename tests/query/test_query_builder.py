"""The builder: immutable, typed literals, injection-proof, equal to parsed text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from qbo.query import (
    COUNT,
    BooleanValue,
    Condition,
    NullValue,
    NumberValue,
    Op,
    OrderItem,
    PyLiteral,
    StringValue,
    col,
    columns,
    parse,
    select,
)
from qbo.schema.catalogue import Catalogue


def test_the_issue_example() -> None:
    query = (
        select("Customer")
        .where(col("DisplayName").like("Acme%"), col("Active") == True)  # noqa: E712
        .order_by(col("DisplayName").desc())
        .limit(50)
        .offset(0)
    )
    text = str(query)
    assert text == (
        "SELECT * FROM Customer WHERE DisplayName LIKE 'Acme%' AND Active = true "
        "ORDERBY DisplayName DESC STARTPOSITION 1 MAXRESULTS 50"
    )
    assert parse(text) == query.build()


def test_every_operator() -> None:
    c = col("TotalAmt")
    assert (c == 1).op is Op.EQ
    assert (c < 1).op is Op.LT
    assert (c <= 1).op is Op.LE
    assert (c > 1).op is Op.GT
    assert (c >= 1).op is Op.GE
    assert c.eq(1) == (c == 1)
    assert c.in_([1, "2"]) == Condition(
        "TotalAmt", Op.IN, (NumberValue(Decimal(1)), StringValue("2"))
    )
    assert c.is_null() == Condition("TotalAmt", Op.EQ, NullValue())
    assert c.asc() == OrderItem("TotalAmt")
    with pytest.raises(TypeError):
        _ = c != 1
    with pytest.raises(ValueError):
        c.in_([])


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        ("Acme", StringValue("Acme")),
        (5, NumberValue(Decimal(5))),
        (Decimal("12.50"), NumberValue(Decimal("12.50"))),
        (True, BooleanValue(True)),
        (False, BooleanValue(False)),
        (None, NullValue()),
        (date(2026, 1, 31), StringValue("2026-01-31")),
        (datetime(2026, 1, 31, 10, 0), StringValue("2026-01-31T10:00:00")),
        (
            datetime(2026, 1, 31, 10, 0, tzinfo=timezone(timedelta(hours=-8))),
            StringValue("2026-01-31T10:00:00-08:00"),
        ),
        (datetime(2026, 1, 31, tzinfo=UTC), StringValue("2026-01-31T00:00:00+00:00")),
    ],
)
def test_python_values_become_literals(value: PyLiteral, literal: object) -> None:
    assert (col("X") == value).value == literal
    assert col("X").eq(value).value == literal


def test_refused_values() -> None:
    with pytest.raises(TypeError):
        _ = col("TotalAmt") == 1.5
    with pytest.raises(ValueError):
        _ = col("DisplayName") == " "  # QBO reads ' ' as null
    with pytest.raises(TypeError):
        _ = col("DisplayName") == object()
    with pytest.raises(ValueError):
        col("Display Name")
    with pytest.raises(ValueError):
        col("x = 1 OR y")


@pytest.mark.parametrize(
    "attack",
    [
        "' OR 1=1 --",
        "'; DROP TABLE x; --",
        "x' OR DisplayName LIKE '%",
        "\\' OR 1=1 --",
        "\\",
        "' ORDERBY Id MAXRESULTS 1000 --",
    ],
)
def test_injection_attempts_are_plain_values(attack: str) -> None:
    query = select("Customer").where(col("DisplayName") == attack, col("Active") == True)  # noqa: E712
    parsed = parse(str(query))
    assert parsed == query.build()
    assert parsed.where[0].value == StringValue(attack)
    assert len(parsed.where) == 2
    assert parsed.order_by == () and parsed.max_results is None


def test_builders_are_immutable() -> None:
    base = select("Invoice").where(col("TotalAmt") > 0)
    paged = base.limit(10)
    counted = base.count()
    assert base.build().max_results is None
    assert paged.build().max_results == 10
    assert counted.build().select == COUNT
    assert base.build().where == paged.build().where == counted.build().where
    assert str(base.fields("Id", col("DocNumber"))) == (
        "SELECT Id, DocNumber FROM Invoice WHERE TotalAmt > 0"
    )
    assert str(base.count().all()) == str(base)


def test_paging_helpers() -> None:
    assert select("Invoice").offset(20).build().start_position == 21
    assert select("Invoice").start_position(21).build().start_position == 21
    assert select("Invoice").order_by("TxnDate", col("Id")).build().order_by == (
        OrderItem("TxnDate"),
        OrderItem("Id"),
    )
    for bad_limit in (0, 1001):
        with pytest.raises(ValueError):
            select("X").limit(bad_limit)
    with pytest.raises(ValueError):
        select("X").offset(-1)
    with pytest.raises(ValueError):
        select("X").start_position(0)


def test_catalogue_columns(small_catalogue: Catalogue) -> None:
    cols = columns("customer", small_catalogue)
    assert str(select("Customer").where(cols.DisplayName == "A")) == (
        "SELECT * FROM Customer WHERE DisplayName = 'A'"
    )
    assert cols["metadata.lastupdatedtime"].name == "MetaData.LastUpdatedTime"
    assert "DisplayName" in dir(cols)
    with pytest.raises(AttributeError):
        _ = cols.DisplayNmae
    with pytest.raises(KeyError):
        cols["MetaData.Nope"]
    with pytest.raises(KeyError):
        columns("Nope", small_catalogue)


def test_real_catalogue_columns(real_catalogue: Catalogue) -> None:
    assert columns("Invoice", real_catalogue).CustomerRef.name == "CustomerRef"
    assert columns("Invoice").TotalAmt.name == "TotalAmt"
