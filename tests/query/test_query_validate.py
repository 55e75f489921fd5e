"""Validation against the catalogue: 4001 rules, canonical names, typed values, paging."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest

from qbo.query import (
    COUNT,
    DEFAULT_MAX_RESULTS,
    MAX_RESULTS,
    STAR,
    Op,
    ValidatedQuery,
    default_max_results,
    needs_active_filter,
    parse,
    parse_and_validate,
    validate,
)
from qbo.schema.catalogue import Catalogue
from qbo.schema.faults import Fault

PST = timezone(timedelta(hours=-8))


def ok(text: str, catalogue: Catalogue) -> ValidatedQuery:
    return validate(parse(text), catalogue)


def fault(text: str, catalogue: Catalogue) -> str:
    with pytest.raises(Fault) as info:
        validate(parse(text), catalogue)
    assert info.value.code == "4001"
    assert info.value.errors[0].message == "Invalid query"
    detail = info.value.errors[0].detail
    assert detail.startswith("QueryValidationError: ")
    return detail


def only_value(text: str, catalogue: Catalogue) -> object:
    return ok(text, catalogue).where[0].value


def test_names_are_canonical(small_catalogue: Catalogue) -> None:
    v = ok(
        "select displayname, ID, displayname from CUSTOMER where metadata.createtime > '2026-01-01' "
        "orderby BALANCE desc",
        small_catalogue,
    )
    assert v.entity_name == "Customer" and v.entity.name == "Customer"
    assert isinstance(v.select, tuple)
    assert [p.name for p in v.select] == ["DisplayName", "Id"]  # duplicates dropped
    assert v.where[0].prop.name == "MetaData.CreateTime"
    assert v.where[0].prop.path == ("MetaData", "CreateTime")
    assert v.order_by[0].prop.name == "Balance" and v.order_by[0].descending


def test_defaults_and_limits(small_catalogue: Catalogue) -> None:
    v = ok("SELECT * FROM Customer", small_catalogue)
    assert (v.start_position, v.max_results) == (1, DEFAULT_MAX_RESULTS)
    assert default_max_results == 100 and MAX_RESULTS == 1000
    assert ok("SELECT * FROM Customer MAXRESULTS 1000", small_catalogue).max_results == 1000
    assert "MAXRESULTS" in fault("SELECT * FROM Customer MAXRESULTS 1001", small_catalogue)
    assert "MAXRESULTS" in fault("SELECT * FROM Customer MAXRESULTS 0", small_catalogue)
    assert "STARTPOSITION" in fault("SELECT * FROM Customer STARTPOSITION 0", small_catalogue)
    assert "STARTPOSITION" in fault("SELECT * FROM Customer STARTPOSITION -3", small_catalogue)


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("SELECT * FROM Nope", "entity 'Nope' is not found"),
        ("SELECT * FROM Hidden", "cannot be queried"),
        ("SELECT * FROM Customer WHERE Nope = '1'", "Property Nope not found for Entity Customer"),
        ("SELECT Nope FROM Customer", "Property Nope not found for Entity Customer"),
        ("SELECT * FROM Customer ORDERBY Nope", "Property Nope not found for Entity Customer"),
        ("SELECT * FROM Customer WHERE Fax = '1'", "property 'Fax' is not queryable"),
        ("SELECT * FROM Customer WHERE BillAddr = '1'", "property 'BillAddr' is not queryable"),
        ("SELECT * FROM Customer WHERE Tags = '1'", "property 'Tags' is not queryable"),
        ("SELECT * FROM Customer WHERE BillAddr.City = 'x'", "'BillAddr.City' is not queryable"),
        ("SELECT * FROM Customer WHERE DisplayName.x = 'x'", "Property DisplayName.x not found"),
        ("SELECT * FROM Customer WHERE MetaData.Nope = 'x'", "Property MetaData.Nope not found"),
        ("SELECT * FROM Customer WHERE MetaData.LastModifiedByRef = '1'", "is not queryable"),
        ("SELECT * FROM Customer ORDERBY Notes", "property 'Notes' is not sortable"),
        ("SELECT * FROM Invoice WHERE TotalAmt > 'abc'", "value 'abc' is not a valid number"),
        ("SELECT * FROM Invoice WHERE TotalAmt > true", "value 'true' is not a valid number"),
        ("SELECT * FROM Invoice WHERE TotalAmt > '1e5'", "not a valid number"),
        ("SELECT * FROM Invoice WHERE TxnDate > 'yesterday'", "not a valid date"),
        ("SELECT * FROM Invoice WHERE TxnDate > '2026-02-30'", "not a valid date"),
        ("SELECT * FROM Invoice WHERE TxnDate > 20260101", "not a valid date"),
        ("SELECT * FROM Invoice WHERE MetaData.CreateTime > 'soon'", "not a valid datetime"),
        ("SELECT * FROM Customer WHERE Active = 'yes'", "not a valid boolean"),
        ("SELECT * FROM Customer WHERE Active = 1", "not a valid boolean"),
        ("SELECT * FROM Customer WHERE CallTime = 'noon'", "not a valid time"),
        ("SELECT * FROM Customer WHERE ParentRef = true", "not a valid reference Id"),
        ("SELECT * FROM Customer WHERE Balance LIKE '1%'", "LIKE needs a string property"),
        ("SELECT * FROM Customer WHERE DisplayName LIKE 5", "LIKE needs a quoted pattern"),
        ("SELECT * FROM Customer WHERE DisplayName LIKE ' '", "LIKE needs a quoted pattern"),
        ("SELECT * FROM Invoice WHERE TotalAmt IN (1, 'x')", "value 'x' is not a valid number"),
    ],
)
def test_validation_faults(text: str, needle: str, small_catalogue: Catalogue) -> None:
    assert needle in fault(text, small_catalogue)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("SELECT * FROM Invoice WHERE TotalAmt > '300.00'", Decimal("300.00")),
        ("SELECT * FROM Invoice WHERE TotalAmt > 300.00", Decimal("300.00")),
        ("SELECT * FROM Invoice WHERE TotalAmt > ' -3 '", Decimal("-3")),
        ("SELECT * FROM Customer WHERE Level = '2'", Decimal(2)),
        ("SELECT * FROM Customer WHERE Active = TRUE", True),
        ("SELECT * FROM Customer WHERE Active = 'False'", False),
        ("SELECT * FROM Invoice WHERE TxnDate = '2026-01-31'", date(2026, 1, 31)),
        ("SELECT * FROM Invoice WHERE TxnDate = '2026-01-31T23:00:00-08:00'", date(2026, 1, 31)),
        (
            "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-31T10:00:00-08:00'",
            datetime(2026, 1, 31, 10, tzinfo=PST),
        ),
        (
            "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-31T18:00:00Z'",
            datetime(2026, 1, 31, 10, tzinfo=PST),  # same instant
        ),
        # no offset, or a bare date (midnight): naive, for the executor's company zone
        (
            "SELECT * FROM Invoice WHERE MetaData.CreateTime > '2026-01-31T10:00:00'",
            datetime(2026, 1, 31, 10),
        ),
        ("SELECT * FROM Invoice WHERE MetaData.CreateTime > '2026-01-31'", datetime(2026, 1, 31)),
        ("SELECT * FROM Customer WHERE CallTime > '10:30:00'", time(10, 30)),
        ("SELECT * FROM Invoice WHERE CustomerRef = '123'", "123"),
        ("SELECT * FROM Invoice WHERE CustomerRef = 123", "123"),
        ("SELECT * FROM Invoice WHERE DocNumber = 1001", "1001"),
        ("SELECT * FROM Customer WHERE DisplayName = 'Acme'", "Acme"),
        ("SELECT * FROM Customer WHERE DisplayName = ' '", None),
        ("SELECT * FROM Customer WHERE Balance = ' '", None),
        # enums take their canonical spelling when they match a listed value
        ("SELECT * FROM Customer WHERE PreferredDeliveryMethod = 'email'", "Email"),
        ("SELECT * FROM Customer WHERE PreferredDeliveryMethod = 'Fax'", "Fax"),
        ("SELECT * FROM Customer WHERE DisplayName LIKE 'Ac%'", "Ac%"),
    ],
)
def test_values_are_typed_by_kind(text: str, value: object, small_catalogue: Catalogue) -> None:
    got = only_value(text, small_catalogue)
    assert got == value
    assert type(got) is type(value)
    if isinstance(value, datetime):
        assert isinstance(got, datetime) and (got.tzinfo is None) == (value.tzinfo is None)


def test_in_values_are_typed(small_catalogue: Catalogue) -> None:
    v = ok(
        "SELECT * FROM Customer WHERE Active IN (true, 'false') AND Id IN ('1', 2)", small_catalogue
    )
    assert v.where[0].op is Op.IN and v.where[0].value == (True, False)
    assert v.where[1].value == ("1", "2")


def test_active_rule(small_catalogue: Catalogue) -> None:
    customer = small_catalogue.entity("Customer")
    assert needs_active_filter(ok("SELECT * FROM Customer", small_catalogue), customer)
    assert needs_active_filter(
        ok("SELECT count(*) FROM Customer WHERE Balance > 0", small_catalogue)
    )
    assert not needs_active_filter(
        ok("SELECT * FROM Customer WHERE active = false", small_catalogue)
    )
    assert not needs_active_filter(
        ok("SELECT * FROM Customer WHERE Active IN (true, false)", small_catalogue)
    )
    assert not needs_active_filter(ok("SELECT * FROM Invoice", small_catalogue))


def test_selection_kinds(small_catalogue: Catalogue) -> None:
    assert ok("SELECT * FROM Invoice", small_catalogue).select == STAR
    counted = ok("SELECT count(*) FROM Invoice", small_catalogue)
    assert counted.select == COUNT and counted.is_count
    # projections may name any existing field, queryable or not
    assert ok("SELECT BillAddr, Tags, MetaData FROM Customer", small_catalogue).select


def test_parse_and_validate_reports_both_codes(small_catalogue: Catalogue) -> None:
    with pytest.raises(Fault) as info:
        parse_and_validate("SELECT * FROM Customer WHERE a = 1 OR b = 2", small_catalogue)
    assert info.value.code == "4000"
    with pytest.raises(Fault) as info:
        parse_and_validate("SELECT * FROM Customer WHERE a = 1", small_catalogue)
    assert info.value.code == "4001"


GUIDE_QUERIES = [
    "SELECT * FROM Invoice WHERE TotalAmt > '300.00'",
    "SELECT * FROM Invoice WHERE CustomerRef = '123'",
    "SELECT * FROM Customer WHERE Active IN (true, false)",
    "SELECT count(*) FROM Customer",
    "SELECT * FROM Customer WHERE DisplayName LIKE 'Acme%' AND Active = true "
    "ORDERBY DisplayName DESC STARTPOSITION 1 MAXRESULTS 50",
    "select Id, DisplayName from Customer",
    "SELECT * FROM Invoice WHERE MetaData.LastUpdatedTime > '2026-01-01T00:00:00-08:00' "
    "ORDERBY MetaData.LastUpdatedTime",
    "SELECT * FROM Customer WHERE Id IN ('1','2')",
    r"SELECT * FROM Customer WHERE DisplayName = 'O\'Brien'",
    "SELECT * FROM Invoice WHERE TxnDate >= '2026-01-01' AND Balance > 0 AND DueDate < '2026-02-01'",
    "SELECT * FROM Account WHERE AccountType = 'Bank' AND Name LIKE '%Checking%'",
    "SELECT * FROM Item WHERE Type = 'Service' ORDERBY Name",
    "SELECT * FROM Invoice WHERE DocNumber = '1001'",
    "SELECT * FROM CreditCardPaymentTxn",
    "SELECT * FROM Customer WHERE ParentRef = ' '",
]


@pytest.mark.parametrize("text", GUIDE_QUERIES)
def test_guide_queries_against_the_real_catalogue(text: str, real_catalogue: Catalogue) -> None:
    validate(parse(text), real_catalogue)


def test_default_catalogue_is_the_real_one() -> None:
    assert validate(parse("SELECT * FROM invoice")).entity_name == "Invoice"


def test_real_catalogue_rejects_nested_and_list_fields(real_catalogue: Catalogue) -> None:
    assert "not queryable" in fault("SELECT * FROM Invoice WHERE Line = '1'", real_catalogue)
    assert "not queryable" in fault("SELECT * FROM Customer WHERE BillAddr = 'x'", real_catalogue)
