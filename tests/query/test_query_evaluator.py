"""The plain-Python evaluator: QBO's semantics over JSON-like entity dicts."""

from __future__ import annotations

from datetime import UTC, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbo.query import QueryResult, evaluate, like_regex, parse, validate
from qbo.schema.catalogue import Catalogue

from .conftest import build_small_catalogue

CATALOGUE = build_small_catalogue()
PST = timezone(timedelta(hours=-8))

CUSTOMERS: list[dict[str, Any]] = [
    {"Id": "10", "DisplayName": "acme widgets", "Active": True, "Balance": Decimal("250.00"),
     "ParentRef": {"value": "2", "name": "Beta"}, "OpenBalanceDate": "2026-01-15",
     "MetaData": {"CreateTime": "2026-01-01T09:00:00-08:00", "LastUpdatedTime": "2026-01-10T09:00:00-08:00"},
     "PreferredDeliveryMethod": "Email", "Level": 1},
    {"Id": "2", "DisplayName": "Beta", "Active": True, "Balance": 0,
     "MetaData": {"CreateTime": "2026-01-01T17:00:00Z", "LastUpdatedTime": "2026-01-02T00:00:00Z"},
     "PreferredDeliveryMethod": "Print", "Level": 0},
    {"Id": "9", "DisplayName": "ACME Tools", "Active": True, "Balance": 99.5,
     "OpenBalanceDate": "2026-02-01", "Level": 1},
    {"Id": "3", "DisplayName": "Gamma 100%", "Active": False, "Balance": Decimal("1000"),
     "MetaData": {"CreateTime": "2026-01-01T08:00:00-08:00"}},
    {"Id": "1", "DisplayName": "O'Brien", "Balance": "12.00", "Notes": "line\nbreak"},
]  # fmt: skip


def run(text: str, rows: list[dict[str, Any]] | None = None, **options: Any) -> QueryResult:
    return evaluate(
        validate(parse(text), CATALOGUE), CUSTOMERS if rows is None else rows, **options
    )


def ids(text: str, **options: Any) -> list[str]:
    return [row["Id"] for row in run(text, **options).rows]


def test_default_order_is_numeric_id_and_inactive_rows_are_hidden() -> None:
    assert ids("SELECT * FROM Customer") == ["1", "2", "9", "10"]


def test_active_filter_lifts_the_rule() -> None:
    assert ids("SELECT * FROM Customer WHERE Active IN (true, false)") == ["1", "2", "3", "9", "10"]
    assert ids("SELECT * FROM Customer WHERE Active = false") == ["3"]
    assert ids("SELECT * FROM Customer", active_only=False) == ["1", "2", "3", "9", "10"]
    # a name-list row without Active is active (Customer 1 has no Active key)
    assert ids("SELECT * FROM Customer WHERE Active = true") == ["1", "2", "9", "10"]
    assert ids("SELECT * FROM Customer WHERE Active = ' '") == []


def test_strings_compare_case_insensitively() -> None:
    assert ids("SELECT * FROM Customer WHERE DisplayName = 'BETA'") == ["2"]
    assert ids("SELECT * FROM Customer WHERE DisplayName > 'b'") == ["1", "2"]
    assert ids(r"SELECT * FROM Customer WHERE DisplayName = 'o\'brien'") == ["1"]


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("acme%", ["9", "10"]),
        ("%TOOLS", ["9"]),
        ("%m%", ["9", "10"]),  # Gamma is inactive
        ("%100\\%", []),  # no escape for %: the backslash is literal
        ("Gamma 100%", []),  # inactive
        ("beta", ["2"]),
        ("b_ta", []),  # _ is an ordinary character
        ("%", ["1", "2", "9", "10"]),
        ("a%s", ["9", "10"]),
    ],
)
def test_like(pattern: str, expected: list[str]) -> None:
    quoted = pattern.replace("\\", "\\\\").replace("'", "\\'")
    assert ids(f"SELECT * FROM Customer WHERE DisplayName LIKE '{quoted}'") == expected


def test_like_regex_is_literal_apart_from_percent() -> None:
    assert like_regex("a.b%").fullmatch("a.bcd")
    assert not like_regex("a.b%").fullmatch("axbcd")
    assert like_regex("%").fullmatch("multi\nline")


def test_numbers_compare_as_decimals_whatever_their_json_type() -> None:
    assert ids("SELECT * FROM Customer WHERE Balance > '99.49'") == ["9", "10"]
    assert ids("SELECT * FROM Customer WHERE Balance = 12") == ["1"]
    assert ids("SELECT * FROM Customer WHERE Balance <= 0") == ["2"]
    assert ids("SELECT * FROM Customer WHERE Balance IN (0, 250)") == ["2", "10"]


def test_refs_compare_by_id_and_missing_equals_null() -> None:
    assert ids("SELECT * FROM Customer WHERE ParentRef = '2'") == ["10"]
    assert ids("SELECT * FROM Customer WHERE ParentRef = ' '") == ["1", "2", "9"]
    assert ids("SELECT * FROM Customer WHERE ParentRef IN ('2', ' ')") == ["1", "2", "9", "10"]
    assert ids("SELECT * FROM Customer WHERE ParentRef > '1'") == ["10"]
    assert ids("SELECT * FROM Customer WHERE ParentRef < ' '") == []


def test_comparisons_with_missing_fields_are_false() -> None:
    assert ids("SELECT * FROM Customer WHERE OpenBalanceDate < '2030-01-01'") == ["9", "10"]
    assert ids("SELECT * FROM Customer WHERE Level >= 0") == ["2", "9", "10"]


def test_ids_compare_numerically() -> None:
    assert ids("SELECT * FROM Customer WHERE Id > '2'") == ["9", "10"]
    assert ids("SELECT * FROM Customer WHERE Id IN ('10', '1')") == ["1", "10"]


def test_dates_and_datetimes() -> None:
    assert ids("SELECT * FROM Customer WHERE OpenBalanceDate >= '2026-02-01'") == ["9"]
    # instants: 2026-01-01T17:00Z == 09:00-08:00
    q = "SELECT * FROM Customer WHERE MetaData.CreateTime = '2026-01-01T09:00:00-08:00'"
    assert ids(q) == ["2", "10"]
    # naive values use the zone: midnight in PST is 08:00Z
    q = "SELECT * FROM Customer WHERE MetaData.LastUpdatedTime < '2026-01-02'"
    assert ids(q, zone=PST) == ["2"]
    assert ids(q, zone=UTC) == []


def test_enums_compare_case_insensitively() -> None:
    assert ids("SELECT * FROM Customer WHERE PreferredDeliveryMethod = 'EMAIL'") == ["10"]


def test_order_by_multiple_keys_with_missing_first_and_id_ties() -> None:
    assert ids("SELECT * FROM Customer ORDERBY Level DESC, DisplayName") == ["9", "10", "2", "1"]
    assert ids("SELECT * FROM Customer ORDERBY Level") == ["1", "2", "9", "10"]
    assert ids("SELECT * FROM Customer ORDERBY DisplayName DESC") == ["1", "2", "10", "9"]
    assert ids("SELECT * FROM Customer ORDERBY DisplayName") == ["9", "10", "2", "1"]
    assert ids("SELECT * FROM Customer ORDERBY MetaData.CreateTime DESC") == ["2", "10", "1", "9"]
    assert ids("SELECT * FROM Customer ORDERBY Id DESC") == ["10", "9", "2", "1"]


def test_paging_is_one_based() -> None:
    assert ids("SELECT * FROM Customer STARTPOSITION 2 MAXRESULTS 2") == ["2", "9"]
    assert ids("SELECT * FROM Customer STARTPOSITION 4") == ["10"]
    assert ids("SELECT * FROM Customer STARTPOSITION 5") == []
    many = [{"Id": str(i)} for i in range(1, 251)]
    assert len(run("SELECT * FROM Invoice", many).rows) == 100


def test_count_ignores_paging() -> None:
    result = run("SELECT count(*) FROM Customer WHERE Balance > 0 STARTPOSITION 2 MAXRESULTS 1")
    assert result.total_count == 3 and result.rows == ()
    assert result.query_response("Customer") == {"totalCount": 3}


def test_projection_returns_named_fields_plus_id() -> None:
    result = run("SELECT DisplayName, MetaData.CreateTime FROM Customer MAXRESULTS 2")
    assert list(result.rows) == [
        {"Id": "1", "DisplayName": "O'Brien", "sparse": True},
        {"Id": "2", "DisplayName": "Beta", "MetaData": {"CreateTime": "2026-01-01T17:00:00Z"},
         "sparse": True},
    ]  # fmt: skip
    result = run("SELECT MetaData, MetaData.CreateTime FROM Customer MAXRESULTS 1 STARTPOSITION 4")
    assert result.rows[0]["MetaData"] == CUSTOMERS[0]["MetaData"]
    assert result.rows[0]["MetaData"] is not CUSTOMERS[0]["MetaData"]


def test_query_response_shapes() -> None:
    page = run("SELECT * FROM Customer MAXRESULTS 2")
    assert page.query_response("Customer") == {
        "Customer": list(page.rows),
        "startPosition": 1,
        "maxResults": 2,
    }
    assert run("SELECT * FROM Customer WHERE Id = '77'").query_response("Customer") == {}


def test_rows_are_copies() -> None:
    result = run("SELECT * FROM Customer WHERE Id = '2'")
    result.rows[0]["DisplayName"] = "changed"
    assert CUSTOMERS[1]["DisplayName"] == "Beta"


def test_unreadable_stored_values_count_as_missing() -> None:
    rows: list[dict[str, Any]] = [
        {"Id": "1", "Balance": "n/a", "OpenBalanceDate": "someday", "Active": "false"},
        {"Id": "2", "Balance": True, "DisplayName": {"odd": 1}},
        {"Id": "3", "Balance": float("nan")},
    ]
    assert ids_of(run("SELECT * FROM Customer WHERE Balance = ' '", rows)) == ["2", "3"]
    assert ids_of(run("SELECT * FROM Customer WHERE OpenBalanceDate = ' '", rows)) == ["2", "3"]
    assert ids_of(run("SELECT * FROM Customer WHERE DisplayName = ' '", rows)) == ["2", "3"]


def ids_of(result: QueryResult) -> list[str]:
    return [row["Id"] for row in result.rows]


def test_real_catalogue_invoice_query(real_catalogue: Catalogue) -> None:
    invoices = [
        {"Id": "1", "TotalAmt": 250, "CustomerRef": {"value": "123"}, "TxnDate": "2026-01-05"},
        {"Id": "2", "TotalAmt": Decimal("300.01"), "CustomerRef": {"value": "123"}, "TxnDate": "2026-01-06"},
        {"Id": "3", "TotalAmt": 500, "CustomerRef": {"value": "7"}, "TxnDate": "2026-01-07"},
    ]  # fmt: skip
    text = "SELECT * FROM Invoice WHERE TotalAmt > '300.00' AND CustomerRef = '123'"
    assert ids_of(evaluate(validate(parse(text), real_catalogue), invoices)) == ["2"]
    text = "SELECT count(*) FROM Invoice WHERE TxnDate >= '2026-01-06'"
    assert evaluate(validate(parse(text), real_catalogue), invoices).total_count == 2


# -- properties --------------------------------------------------------------------------

rows_strategy = st.lists(
    st.fixed_dictionaries(
        {"Id": st.integers(1, 10_000).map(str)},
        optional={
            "DisplayName": st.text(alphabet="aAbB%' ", max_size=4),
            "Balance": st.decimals(-100, 100, places=2),
            "Level": st.integers(0, 3),
            "Active": st.booleans(),
        },
    ),
    max_size=30,
    unique_by=lambda row: row["Id"],
)
orders = st.sampled_from(
    ["", " ORDERBY Balance", " ORDERBY DisplayName DESC, Level", " ORDERBY Level DESC"]
)
filters = st.sampled_from(
    [
        "",
        " WHERE Balance > 0",
        " WHERE DisplayName LIKE 'a%'",
        " WHERE Level IN (1, 2)",
        " WHERE Active = false",
    ]
)


@settings(max_examples=200)
@given(rows_strategy, filters, orders, st.integers(1, 7))
def test_pages_partition_the_full_result(
    rows: list[dict[str, Any]], where: str, order: str, size: int
) -> None:
    base = f"SELECT * FROM Customer{where}{order}"
    full = run(f"{base} MAXRESULTS 1000", rows).rows
    count = run(f"SELECT count(*) FROM Customer{where}", rows).total_count
    assert count == len(full)
    pages: list[dict[str, Any]] = []
    start = 1
    while True:
        page = run(f"{base} STARTPOSITION {start} MAXRESULTS {size}", rows).rows
        if not page:
            break
        pages.extend(page)
        start += size
    assert pages == list(full)
    assert len({row["Id"] for row in full}) == len(full)
