"""The printer: canonical text, escaping, and parse(to_text(q)) == q for every tree."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings

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
    parse,
    quote,
    to_text,
)

from .strategies import nasty_text, queries


def test_canonical_form() -> None:
    query = Query(
        "Customer",
        STAR,
        (
            Condition("DisplayName", Op.LIKE, StringValue("Acme%")),
            Condition("Active", Op.EQ, BooleanValue(True)),
            Condition("Id", Op.IN, (StringValue("1"), StringValue("2"))),
            Condition("Balance", Op.GE, NumberValue(Decimal("1E+2"))),
            Condition("ParentRef", Op.EQ, NullValue()),
        ),
        (OrderItem("DisplayName", True), OrderItem("Id")),
        1,
        50,
    )
    assert to_text(query) == (
        "SELECT * FROM Customer WHERE DisplayName LIKE 'Acme%' AND Active = true "
        "AND Id IN ('1', '2') AND Balance >= 100 AND ParentRef = ' ' "
        "ORDERBY DisplayName DESC, Id STARTPOSITION 1 MAXRESULTS 50"
    )


def test_count_and_projection() -> None:
    assert to_text(Query("Invoice", COUNT)) == "SELECT count(*) FROM Invoice"
    assert to_text(Query("Customer", ("Id", "DisplayName"))) == (
        "SELECT Id, DisplayName FROM Customer"
    )


@pytest.mark.parametrize(
    ("text", "quoted"),
    [
        ("O'Brien", r"'O\'Brien'"),
        ("back\\slash", r"'back\\slash'"),
        ("\\'", r"'\\\''"),
        ("' OR 1=1 --", r"'\' OR 1=1 --'"),
        ("", "''"),
    ],
)
def test_quote_escapes_quotes_and_backslashes(text: str, quoted: str) -> None:
    assert quote(text) == quoted


def test_small_numbers_print_without_exponent() -> None:
    cond = Condition("TotalAmt", Op.GT, NumberValue(Decimal("0.0000001")))
    assert to_text(Query("Invoice", STAR, (cond,))).endswith("TotalAmt > 0.0000001")


@pytest.mark.slow
@settings(max_examples=500)
@given(queries)
def test_round_trip(query: Query) -> None:
    text = to_text(query)
    assert parse(text) == query
    assert to_text(parse(text)) == text  # canonical text is a fixed point


@settings(max_examples=300)
@given(nasty_text)
def test_any_string_stays_one_value(text: str) -> None:
    query = Query("Customer", STAR, (Condition("DisplayName", Op.EQ, StringValue(text)),))
    parsed = parse(to_text(query))
    assert len(parsed.where) == 1
    assert parsed.where[0].value == StringValue(text)


def test_ast_refuses_what_cannot_be_printed() -> None:
    with pytest.raises(ValueError):
        StringValue(" ")
    with pytest.raises(ValueError):
        NumberValue(Decimal("NaN"))
    with pytest.raises(ValueError):
        Condition("Display Name", Op.EQ, StringValue("x"))
    with pytest.raises(ValueError):
        Condition("X", Op.IN, ())
    with pytest.raises(ValueError):
        Condition("X", Op.EQ, (StringValue("x"),))
    with pytest.raises(ValueError):
        Query("Customer; DROP")
    with pytest.raises(ValueError):
        Query("Customer", ())
    with pytest.raises(ValueError):
        Query("Customer", max_results=2**64)
    with pytest.raises(TypeError):
        Query("Customer", max_results=True)
