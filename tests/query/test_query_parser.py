"""Golden tests for the parser: every construct, the guide's queries, and 4000 faults."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

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
)
from qbo.schema.faults import Fault


def s(text: str) -> StringValue:
    return StringValue(text)


GOLDEN: list[tuple[str, Query]] = [
    # the examples
    (
        "select * from Customer where DisplayName LIKE 'Acme%' and Active = true "
        "orderby DisplayName desc startposition 1 maxresults 50",
        Query(
            "Customer",
            STAR,
            (
                Condition("DisplayName", Op.LIKE, s("Acme%")),
                Condition("Active", Op.EQ, BooleanValue(True)),
            ),
            (OrderItem("DisplayName", True),),
            1,
            50,
        ),
    ),
    (
        "SELECT count(*) FROM Invoice WHERE TotalAmt > '300.00'",
        Query("Invoice", COUNT, (Condition("TotalAmt", Op.GT, s("300.00")),)),
    ),
    ("select Id, DisplayName from Customer", Query("Customer", ("Id", "DisplayName"))),
    (
        "SELECT * FROM Invoice WHERE CustomerRef = '123'",
        Query("Invoice", STAR, (Condition("CustomerRef", Op.EQ, s("123")),)),
    ),
    (
        "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00'",
        Query(
            "Invoice",
            STAR,
            (Condition("MetaData.LastUpdatedTime", Op.GT, s("2026-01-01T00:00:00-08:00")),),
        ),
    ),
    (
        "SELECT * FROM Customer WHERE Id IN ('1','2')",
        Query("Customer", STAR, (Condition("Id", Op.IN, (s("1"), s("2"))),)),
    ),
    (
        r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien'",
        Query("Customer", STAR, (Condition("DisplayName", Op.EQ, s("O'Brien")),)),
    ),
    # the documented query forms
    (
        "SELECT * FROM Customer WHERE Active IN (true, false)",
        Query(
            "Customer",
            STAR,
            (Condition("Active", Op.IN, (BooleanValue(True), BooleanValue(False))),),
        ),
    ),
    (
        "SELECT * FROM Customer WHERE DisplayName = ' '",
        Query("Customer", STAR, (Condition("DisplayName", Op.EQ, NullValue()),)),
    ),
    (
        "SELECT * FROM Invoice ORDERBY TxnDate ASC, DocNumber DESC STARTPOSITION 11 MAXRESULTS 10",
        Query(
            "Invoice",
            STAR,
            (),
            (OrderItem("TxnDate"), OrderItem("DocNumber", True)),
            11,
            10,
        ),
    ),
    # every operator
    *[
        (
            f"SELECT * FROM Invoice WHERE TotalAmt {op} 300",
            Query("Invoice", STAR, (Condition("TotalAmt", Op(op), NumberValue(Decimal(300))),)),
        )
        for op in ("=", "<", ">", "<=", ">=")
    ],
    # numbers: bare, negative, fractional; dates and datetimes stay strings
    (
        "SELECT * FROM Invoice WHERE Balance >= -1.50 AND TotalAmt < .5",
        Query(
            "Invoice",
            STAR,
            (
                Condition("Balance", Op.GE, NumberValue(Decimal("-1.50"))),
                Condition("TotalAmt", Op.LT, NumberValue(Decimal("0.5"))),
            ),
        ),
    ),
    (
        "SELECT * FROM Invoice WHERE TxnDate = '2026-01-31' AND MetaData.CreateTime < "
        "'2026-01-31T10:00:00Z'",
        Query(
            "Invoice",
            STAR,
            (
                Condition("TxnDate", Op.EQ, s("2026-01-31")),
                Condition("MetaData.CreateTime", Op.LT, s("2026-01-31T10:00:00Z")),
            ),
        ),
    ),
    # escapes: \' and \\ ; an unknown escape keeps its backslash
    (
        r"SELECT * FROM Customer WHERE DisplayName = 'a\\b\'c\d'",
        Query("Customer", STAR, (Condition("DisplayName", Op.EQ, s("a\\b'c\\d")),)),
    ),
    (
        "SELECT * FROM Customer WHERE DisplayName = ''",
        Query("Customer", STAR, (Condition("DisplayName", Op.EQ, s("")),)),
    ),
    (
        "SELECT * FROM Customer WHERE DisplayName = '  '",
        Query("Customer", STAR, (Condition("DisplayName", Op.EQ, s("  ")),)),
    ),
    # case-insensitive keywords and booleans, free whitespace, trailing semicolon
    (
        "SeLeCt COUNT ( * )\n\tFrOm Customer wHeRe Active = TRUE;",
        Query("Customer", COUNT, (Condition("Active", Op.EQ, BooleanValue(True)),)),
    ),
    ("SELECT*FROM Customer", Query("Customer")),
    ("  SELECT * FROM Customer  ;  ", Query("Customer")),
    # paging in either order
    ("SELECT * FROM Customer MAXRESULTS 5 STARTPOSITION 3", Query("Customer", STAR, (), (), 3, 5)),
    ("SELECT * FROM Customer STARTPOSITION 3", Query("Customer", STAR, (), (), 3, None)),
    ("SELECT * FROM Customer MAXRESULTS 5", Query("Customer", STAR, (), (), None, 5)),
    # out-of-range paging is a validation matter, not syntax
    (
        "SELECT * FROM Customer STARTPOSITION 0 MAXRESULTS 5000",
        Query("Customer", STAR, (), (), 0, 5000),
    ),
    # keywords where only a name can stand are names
    (
        "SELECT count, desc FROM Customer WHERE Desc = 'x' AND and = 1 ORDERBY asc ASC, desc",
        Query(
            "Customer",
            ("count", "desc"),
            (
                Condition("Desc", Op.EQ, s("x")),
                Condition("and", Op.EQ, NumberValue(Decimal(1))),
            ),
            (OrderItem("asc"), OrderItem("desc")),
        ),
    ),
    # LIKE and IN spacing
    (
        "SELECT * FROM Customer WHERE DisplayName like'%x%'AND Id in('1' , 2,true)",
        Query(
            "Customer",
            STAR,
            (
                Condition("DisplayName", Op.LIKE, s("%x%")),
                Condition("Id", Op.IN, (s("1"), NumberValue(Decimal(2)), BooleanValue(True))),
            ),
        ),
    ),
]


@pytest.mark.parametrize(("text", "expected"), GOLDEN, ids=[t for t, _ in GOLDEN])
def test_golden(text: str, expected: Query) -> None:
    assert parse(text) == expected


def fault_of(text: str) -> Fault:
    with pytest.raises(Fault) as info:
        parse(text)
    return info.value


# JavaCC's wording, as QBO's: ``Encountered " <IDENTIFIER> "TxnDate "" at line 1, column 29.``
# for a token of a known kind, ``Encountered "<EOF>" at ...`` otherwise.
DETAIL_RE = re.compile(
    r'QueryParserError: Encountered "(?: (?:<\w+>|"[^"]*") "(?P<token>.*?) "|(?P<bare>.*?))"'
    r" at line (?P<line>\d+), column (?P<col>\d+)\.",
    re.DOTALL,
)


def position(fault: Fault) -> tuple[str, int, int]:
    match = DETAIL_RE.match(fault.errors[0].detail)
    assert match is not None, fault.errors[0].detail
    token = match["token"] if match["token"] is not None else match["bare"]
    return token, int(match["line"]), int(match["col"])


ERRORS: list[tuple[str, str, int]] = [
    # (query, token reported, 1-based column)
    ("SELECT * FROM Customer WHERE a = 1 OR b = 2", "OR", 36),
    ("select * from Customer where a = 1 or b = 2", "or", 36),
    ("SELECT * FROM Customer JOIN Invoice", "JOIN", 24),
    ("SELECT * FROM Customer WHERE NOT a = 1", "a", 34),
    ("SELECT * FROM Customer GROUP BY DisplayName", "GROUP", 24),
    ("SELECT * FROM Customer WHERE (a = 1)", "(", 30),
    ("SELECT * FROM Customer WHERE a != 1", "!", 32),
    ("SELECT * FROM Customer WHERE a = 'abc", "'abc", 34),
    ("SELECT * FROM Customer WHERE a = 'abc\\'", "'abc\\'", 34),
    ("SELECT * FROM Customer WHERE", "<EOF>", 29),
    ("SELECT * FROM Customer WHERE a =", "<EOF>", 33),
    ("SELECT * FROM Customer WHERE a IN ()", ")", 36),
    ("SELECT * FROM Customer WHERE a IN ('1'", "<EOF>", 39),
    ("SELECT * FROM", "<EOF>", 14),
    ("", "<EOF>", 1),
    ("   ", "<EOF>", 1),
    ("DELETE FROM Customer", "DELETE", 1),
    ("SELECT * FROM Customer, Invoice", ",", 23),
    ("SELECT * FROM Customer WHERE a = 1 ANDY = 2", "ANDY", 36),
    ("SELECT * FROM Customer ORDER BY DisplayName", "ORDER", 24),
    ("SELECT * FROM Customer ORDERBY a b", "b", 34),
    ("SELECT * FROM Customer MAXRESULTS 1.5", "1.5", 35),
    ("SELECT * FROM Customer MAXRESULTS '5'", "'5'", 35),
    ("SELECT * FROM Customer MAXRESULTS 99999999999999999999", "99999999999999999999", 35),
    ("SELECT * FROM Customer STARTPOSITION -9223372036854775808", "-9223372036854775808", 38),
    ("SELECT * FROM Customer MAXRESULTS 5 MAXRESULTS 6", "MAXRESULTS", 37),
    ("SELECT * FROM Customer STARTPOSITION 1 ORDERBY Id", "ORDERBY", 40),
    ("SELECT sum(*) FROM Invoice", "sum", 8),
    ("SELECT count(Id) FROM Invoice", "Id", 14),
    ("SELECT * FROM Customer WHERE a = b", "b", 34),
    ("SELECT * FROM Customer WHERE a = 1;;", ";", 36),
    ("SELECT * FROM Customer # comment", "#", 24),
    ("SELECT * FROM Customer WHERE a = 1e5", "e5", 35),
    ("SELECT * FROM Customer\nWHERE a = 1\nOR b = 2", "OR", 1),
]


@pytest.mark.parametrize(("text", "token", "column"), ERRORS, ids=[t for t, _, _ in ERRORS])
def test_syntax_errors_are_4000_at_the_token(text: str, token: str, column: int) -> None:
    fault = fault_of(text)
    assert fault.code == "4000"
    assert fault.errors[0].message == "Error parsing query"
    assert fault.http_status == 400
    shown, _, col = position(fault)
    assert shown == token
    assert col == column


def test_lines_are_counted() -> None:
    _, line, col = position(fault_of("SELECT *\nFROM Customer\n  WHERE a = 1 OR b = 2"))
    assert (line, col) == (3, 15)


def test_or_fault_says_what_was_expected() -> None:
    detail = fault_of("SELECT * FROM Customer WHERE a = 1 OR b = 2").errors[0].detail
    assert "OR is not supported" in detail
    assert 'Was expecting one of: "AND", "MAXRESULTS", "ORDERBY", "STARTPOSITION", <EOF>' in detail


def test_long_tokens_are_shortened_in_the_detail() -> None:
    token, _, _ = position(fault_of("SELECT * FROM Customer WHERE a = 'x" + "y" * 500))
    assert len(token) < 50 and token.endswith("...")


def test_non_text_is_a_4000() -> None:
    with pytest.raises(Fault) as info:
        parse(b"SELECT * FROM Customer")  # type: ignore[arg-type]
    assert info.value.code == "4000"


def test_repeated_parses_are_equal_and_cached() -> None:
    text = "SELECT * FROM Customer WHERE DisplayName = 'cached'"
    assert parse(text) is parse(text)
