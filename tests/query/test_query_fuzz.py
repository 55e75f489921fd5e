"""Any text whatsoever gives a Query or a Fault: never another exception.

Random text, and random mutations of valid queries (which reach much deeper into the
grammar). Successful parses must also validate to a Query or a 4001 and evaluate without
error, and every 4000 must point at a real position in the text.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.query import evaluate, parse, to_text, validate
from qbo.schema.catalogue import Catalogue
from qbo.schema.faults import Fault

from .conftest import build_small_catalogue

SEEDS = [
    "select * from Customer where DisplayName LIKE 'Acme%' and Active = true "
    "orderby DisplayName desc startposition 1 maxresults 50",
    "SELECT count(*) FROM Invoice WHERE TotalAmt > '300.00'",
    "select Id, DisplayName from Customer",
    "SELECT * FROM Invoice WHERE CustomerRef = '123'",
    "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00'",
    "SELECT * FROM Customer WHERE Id IN ('1','2') ORDERBY Balance, Level DESC",
    r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien' AND OpenBalanceDate <= '2026-01-31'",
    "SELECT * FROM Customer WHERE ParentRef = ' ' AND CallTime > '10:00:00' MAXRESULTS 5",
    "SELECT * FROM Invoice WHERE TxnDate >= '2026-01-01' AND Balance > 0 STARTPOSITION 2",
]

PIECES = [
    "'", "\\", "(", ")", ",", "*", "=", "<", ">=", " ", "\n", ";", "%", ".", "-", "0",
    "1.5", "' '", "''", " AND ", " OR ", " IN ", " LIKE ", " WHERE ", " ORDERBY ",
    " MAXRESULTS ", " STARTPOSITION ", "true", "count(*)", "MetaData.", "é", "\x00", "Ω",
]  # fmt: skip

CATALOGUE = build_small_catalogue()
ROWS: list[dict[str, Any]] = [
    {"Id": "1", "DisplayName": "Acme", "Active": True, "Balance": 5, "Level": 1},
    {"Id": "2", "DisplayName": "o'brien", "TotalAmt": "301.00", "TxnDate": "2026-02-01"},
    {"Id": "10", "MetaData": {"CreateTime": "2026-01-01T00:00:00-08:00"}, "CustomerRef": {"value": "123"}},
    {"Id": "x", "Balance": "garbage", "OpenBalanceDate": "not a date", "CallTime": "11:00:00"},
]  # fmt: skip

DETAIL_RE = re.compile(
    r'QueryParserError: Encountered "(?: (?:<\w+>|"[^"]*") "(?P<token>.*?) "|(?P<bare>.*?))"'
    r" at line (?P<line>\d+), column (?P<col>\d+)\.",
    re.S,
)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["insert", "delete", "replace", "duplicate", "cut"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 12)))
        if action == "insert":
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[i:]
        elif action == "delete":
            text = text[:i] + text[j:]
        elif action == "replace":
            text = text[:i] + draw(st.sampled_from(PIECES)) + text[j:]
        elif action == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        else:
            text = text[:i]
    return text


def check(text: str, catalogue: Catalogue = CATALOGUE) -> None:
    try:
        query = parse(text)
    except Fault as fault:
        assert fault.code == "4000"
        match = DETAIL_RE.match(fault.errors[0].detail)
        assert match is not None, fault.errors[0].detail
        token = match["token"] if match["token"] is not None else match["bare"]
        line, column = int(match["line"]), int(match["col"])
        lines = text.split("\n")
        assert 1 <= line <= len(lines)
        assert 1 <= column <= len(lines[line - 1]) + 1
        if token != "<EOF>" and not token.endswith("..."):
            assert lines[line - 1][column - 1 :].startswith(token.split("\n")[0])
        return
    assert parse(to_text(query)) == query
    try:
        validated = validate(query, catalogue)
    except Fault as fault:
        assert fault.code == "4001", fault
        return
    evaluate(validated, ROWS)


@pytest.mark.slow
@settings(max_examples=1500, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_queries_never_crash(text: str) -> None:
    check(text)


@settings(max_examples=1000)
@given(st.text(max_size=80))
def test_random_text_never_crashes(text: str) -> None:
    check(text)


@settings(max_examples=500)
@given(st.lists(st.sampled_from([*PIECES, "x", "Id", "9"]), max_size=12).map("".join))
def test_random_tails_never_crash(tail: str) -> None:
    check("SELECT * FROM Customer WHERE" + tail)
    check("SELECT * FROM Customer" + tail)


def test_seeds_are_valid() -> None:
    for seed in SEEDS:
        validate(parse(seed), CATALOGUE)


def test_real_catalogue_never_crashes(real_catalogue: Catalogue) -> None:
    for seed in SEEDS:
        check(seed, real_catalogue)
