"""Rows built from QBO's JSON without validation equal validated rows, and write back alike.

``from_qbo`` builds *lean* rows (``qbo.schema.rows``): only the fields sent are stored and
values are converted without pydantic. Each test compares such a row with
``model_validate`` of the same JSON, which is how every row was built before.
"""

from __future__ import annotations

import copy
import datetime as dt
import gc
import pickle
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import pytest

from qbo.client._querytext import parse_query_response
from qbo.client._wire import entity_def, update_call
from qbo.schema import jsoncodec
from qbo.schema.base import QBOModel
from qbo.schema.models import (
    ENTITY_MODELS,
    Customer,
    Invoice,
    JournalEntry,
    ModificationMetaData,
    Payment,
    PhysicalAddress,
    ReferenceType,
)
from qbo.schema.rows import build, build_rows

RECORDED = Path(__file__).parent.parent / "fidelity" / "recorded"

INVOICE = """{
  "CustomerRef": {"value": "6", "name": "Acme 000006"},
  "TxnDate": "2025-01-06", "DueDate": "2025-02-05",
  "Line": [
    {"DetailType": "SalesItemLineDetail", "Amount": 600.10,
     "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Consulting"}, "Qty": 6,
                             "UnitPrice": 100.0166, "TaxClassificationRef": {}},
     "Id": "1", "LineNum": 1, "CustomExtensions": []},
    {"Amount": 600.10, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
  ],
  "Id": "6", "CurrencyRef": {"value": "USD", "name": "United States Dollar"},
  "LinkedTxn": [], "CustomField": [], "DocNumber": "1006",
  "TxnTaxDetail": {"TotalTax": 0}, "TotalAmt": 600.10, "PrintStatus": "NotSet",
  "EmailStatus": "SomethingNew", "BillEmail": {"Address": "billing6@acme.example"},
  "BillAddr": {"Id": "2", "Line1": "1 Ledger Lane", "City": "Reno", "Lat": "INVALID"},
  "PrivateNote": null, "Deposit": 0, "Balance": 600.10, "AllowIPNPayment": false,
  "SyncToken": "0", "domain": "QBO", "sparse": false,
  "MetaData": {"CreateTime": "2026-12-03T10:58:36-08:00",
               "LastUpdatedTime": "2026-12-03T18:58:36.250Z",
               "LastModifiedByRef": {"value": "1"}},
  "TaxExemptionRef": {}, "NewTopLevelThing": {"nested": [1, 2.5]}
}"""

CUSTOMER = """{
  "DisplayName": "Acme 000006", "CompanyName": "Acme 000006 Ltd",
  "PrimaryEmailAddr": {"Address": "billing6@acme.example"}, "Id": "6", "Active": true,
  "CurrencyRef": {"value": "USD", "name": "United States Dollar"}, "Balance": 600,
  "BalanceWithJobs": 600.25, "Taxable": true, "PreferredDeliveryMethod": "Print",
  "Job": false, "Level": 0, "SyncToken": "3", "domain": "QBO", "sparse": false,
  "OpenBalanceDate": "2024-12-31",
  "MetaData": {"CreateTime": "2026-12-03T10:58:36+05:30",
               "LastUpdatedTime": "2026-12-03T10:58:36-08:00"}
}"""


def _strip_markers(value: Any) -> Any:
    """A recorded shape as QBO sends it: without the ``$absent``/``$exact`` markers."""
    if isinstance(value, dict):
        return {k: _strip_markers(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_markers(v) for v in value]
    return value


def _recorded_objects() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted(RECORDED.glob("*.json")):
        if path.name.startswith("fault_"):
            continue
        text = jsoncodec.dumps(_strip_markers(jsoncodec.loads(path.read_text())))
        body = jsoncodec.loads(text)
        holder = body.get("QueryResponse", body)
        for key, value in holder.items():
            if key in ENTITY_MODELS:
                for item in value if isinstance(value, list) else [value]:
                    found.append((key, item))
    return found


def _samples() -> list[tuple[type[QBOModel], str]]:
    samples: list[tuple[type[QBOModel], str]] = [(Invoice, INVOICE), (Customer, CUSTOMER)]
    for name, data in _recorded_objects():
        samples.append((ENTITY_MODELS[name], jsoncodec.dumps(data)))
    return samples


SAMPLES = _samples()
IDS = [f"{model.__name__}-{index}" for index, (model, _) in enumerate(SAMPLES)]


def assert_same(fast: Any, validated: Any) -> None:
    """Equal field by field, recursively, with the same Python types (Decimal, dates)."""
    assert type(fast) is type(validated)
    if isinstance(validated, QBOModel):
        for name in type(validated).model_fields:
            assert_same(getattr(fast, name), getattr(validated, name))
        assert fast.model_extra == validated.model_extra
        assert fast.model_fields_set == validated.model_fields_set
    elif isinstance(validated, list):
        assert len(fast) == len(validated)
        for a, b in zip(fast, validated, strict=True):
            assert_same(a, b)
    elif isinstance(validated, dt.datetime):
        assert fast == validated and fast.isoformat() == validated.isoformat()
        assert type(fast.tzinfo) is type(validated.tzinfo)
    else:
        assert fast == validated
        if isinstance(validated, Decimal):
            assert str(fast) == str(validated)


@pytest.mark.parametrize(("model", "text"), SAMPLES, ids=IDS)
def test_fast_rows_equal_validated_rows(model: type[QBOModel], text: str) -> None:
    fast = model.from_qbo(jsoncodec.loads(text))
    validated = model.model_validate(jsoncodec.loads(text))
    assert_same(fast, validated)
    assert fast == validated and validated == fast
    assert fast.model_dump() == validated.model_dump()
    assert fast.model_dump_json() == validated.model_dump_json()
    assert jsoncodec.dumps(fast.to_qbo()) == jsoncodec.dumps(validated.to_qbo())
    unset = {"by_alias": True, "exclude_unset": True}
    assert jsoncodec.dumps(fast.model_dump(**unset)) == jsoncodec.dumps(
        validated.model_dump(**unset)
    )
    for options in ({"exclude_none": True}, {"exclude_unset": True}, {"exclude_defaults": True}):
        assert fast.model_dump_json(**options) == validated.model_dump_json(**options)
        assert list(fast.model_dump(mode="json", **options)) == list(
            validated.model_dump(mode="json", **options)
        )
    assert dict(fast) == dict(validated)
    assert repr(fast) == repr(validated)
    assert pickle.loads(pickle.dumps(fast)) == validated
    assert copy.deepcopy(fast) == validated and copy.copy(fast) == validated


@pytest.mark.parametrize(("model", "text"), SAMPLES, ids=IDS)
def test_built_in_place_equals_and_copy_leaves_the_input_alone(
    model: type[QBOModel], text: str
) -> None:
    data = jsoncodec.loads(text)
    fast = model.from_qbo(data)
    assert data == jsoncodec.loads(text)  # from_qbo does not change what it is given
    owned = build(model, jsoncodec.loads(text), reuse=True)
    assert_same(owned, model.model_validate(jsoncodec.loads(text)))
    assert owned == fast


def test_rows_are_lean_and_read_missing_fields_as_none() -> None:
    row = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    assert len(row.__dict__) < len(Invoice.model_fields)  # what keeps a row small
    assert row.ShipAddr is None and row.CustomerMemo is None
    assert row.BillAddr is not None and row.BillAddr.Country is None
    with pytest.raises(AttributeError):
        _ = row.NoSuchField  # type: ignore[attr-defined]
    assert row.NewTopLevelThing == {"nested": [1, Decimal("2.5")]}  # type: ignore[attr-defined]


def test_values_have_their_types() -> None:
    row = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    assert row.TotalAmt == Decimal("600.10") and str(row.TotalAmt) == "600.10"
    assert row.Deposit == Decimal(0) and isinstance(row.Deposit, Decimal)
    assert row.TxnDate == dt.date(2025, 1, 6)
    assert row.MetaData is not None and row.MetaData.LastUpdatedTime is not None
    assert row.MetaData.LastUpdatedTime.utcoffset() == dt.timedelta(0)
    assert row.MetaData.LastUpdatedTime.microsecond == 250000
    assert row.EmailStatus == "SomethingNew"  # enumerations stay open
    assert row.Line is not None and row.Line[0].model_extra == {"CustomExtensions": []}


@pytest.mark.parametrize(
    ("model", "data"),
    [
        (Invoice, {"TotalAmt": "abc"}),
        (Invoice, {"TotalAmt": "12.50"}),  # validation takes a numeric string
        (Invoice, {"TotalAmt": True}),
        (Invoice, {"TxnDate": "2025-W01-1"}),
        (Invoice, {"TxnDate": "2025-02-30"}),
        (Invoice, {"TxnDate": "20250106"}),
        (Invoice, {"MetaData": {"CreateTime": "2026-01-01T00:00:00"}}),  # naive
        (Invoice, {"MetaData": {"CreateTime": "2026-01-01 00:00:00+01:00"}}),
        (Invoice, {"MetaData": {"CreateTime": 17}}),
        (Invoice, {"Line": [{"Amount": 1}, None]}),
        (Invoice, {"Line": {"Amount": 1}}),
        (Invoice, {"CustomerRef": "6"}),
        (Invoice, {"CustomerRef": {"value": 6}}),
        (Invoice, {"DocNumber": 1006}),
        (Invoice, {"AllowIPNPayment": "false"}),
        (Customer, {"Level": "1"}),
        (Customer, {"Level": 1.5}),
        (Customer, {"Balance": Decimal("NaN")}),
        (ModificationMetaData, {"CreateTime": "2026-01-01T00:00:00+24:00"}),
        (ReferenceType, ["not", "an", "object"]),
    ],
)
def test_unexpected_values_are_validated(model: type[QBOModel], data: Any) -> None:
    """Whatever the fast path does not take goes to validation: same row, same error."""
    try:
        validated = model.model_validate(copy.deepcopy(data))
    except pydantic.ValidationError as exc:
        with pytest.raises(pydantic.ValidationError) as caught:
            model.from_qbo(copy.deepcopy(data))
        assert caught.value.errors() == exc.errors()
        with pytest.raises(pydantic.ValidationError):
            build(model, copy.deepcopy(data), reuse=True)
    else:
        assert_same(model.from_qbo(copy.deepcopy(data)), validated)
        assert_same(build(model, copy.deepcopy(data), reuse=True), validated)


def _modify(row: Invoice) -> None:
    row.PrivateNote = "changed"
    row.DueDate = dt.date(2025, 3, 1)
    assert row.CurrencyRef is not None and row.BillAddr is not None
    row.CurrencyRef.name = "US Dollar"
    row.BillAddr.Line2 = "Suite 9"
    assert row.Line is not None
    row.Line[0].Description = "hours"
    row.Line.append(row.Line[1].model_copy(update={"Amount": Decimal("1.5")}))
    row.TaxExemptionRef = None
    row.ExtraNote = "kept"  # type: ignore[attr-defined]


@pytest.mark.parametrize("sparse", [True, False])
def test_a_modified_fast_row_writes_the_same_update(sparse: bool) -> None:
    entity = entity_def("Invoice")
    fast = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    validated = Invoice.model_validate(jsoncodec.loads(INVOICE))
    for row in (fast, validated):
        _modify(row)
    fast_body = update_call(entity, fast, sparse=sparse).body
    validated_body = update_call(entity, validated, sparse=sparse).body
    assert jsoncodec.dumps(fast_body) == jsoncodec.dumps(validated_body)
    assert fast == validated
    assert fast.model_fields_set == validated.model_fields_set
    assert_same(fast, validated)


@pytest.mark.parametrize(("model", "text"), SAMPLES, ids=IDS)
def test_unmodified_rows_write_the_same_updates(model: type[QBOModel], text: str) -> None:
    fast = model.from_qbo(jsoncodec.loads(text))
    validated = model.model_validate(jsoncodec.loads(text))
    name = next(k for k, v in ENTITY_MODELS.items() if v is model)
    entity = entity_def(name)
    for sparse in (True, False):
        try:
            expected = update_call(entity, validated, sparse=sparse).body
        except Exception as exc:  # an update this entity refuses: refused alike
            with pytest.raises(type(exc)):
                update_call(entity, fast, sparse=sparse)
            continue
        actual = update_call(entity, fast, sparse=sparse).body
        assert jsoncodec.dumps(actual) == jsoncodec.dumps(expected)


def test_read_modify_write_round_trip() -> None:
    """A row read, changed, written to JSON and read back is the same row."""
    row = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    _modify(row)
    again = Invoice.from_qbo(jsoncodec.loads(jsoncodec.dumps(row.to_qbo())))
    assert again == Invoice.model_validate(row.to_qbo())
    assert again.to_qbo() == row.to_qbo()


def test_fast_parts_go_into_new_models() -> None:
    row = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    assert row.CustomerRef is not None and row.BillAddr is not None
    payment = Payment(CustomerRef=row.CustomerRef, TotalAmt=row.TotalAmt)
    assert payment.to_qbo() == {
        "CustomerRef": {"value": "6", "name": "Acme 000006"},
        "TotalAmt": Decimal("600.10"),
    }
    address = PhysicalAddress.model_validate(row.BillAddr.model_dump())
    assert address == row.BillAddr
    assert row.BillAddr.model_dump(include={"City"}) == {"City": "Reno"}
    assert row.BillAddr.model_dump(exclude={"Id", "City"})["Line1"] == "1 Ledger Lane"
    assert row.BillAddr.model_dump(exclude_defaults=True) == {
        "Id": "2",
        "Line1": "1 Ledger Lane",
        "City": "Reno",
        "Lat": "INVALID",
    }


def test_query_pages_build_fast_rows_equal_to_validated_ones() -> None:
    text = (RECORDED / "query_journalentry.json").read_text()
    body = _strip_markers(jsoncodec.loads(text))
    expected = [JournalEntry.model_validate(r) for r in body["QueryResponse"]["JournalEntry"]]
    for reuse in (False, True):
        result = parse_query_response(copy.deepcopy(body), reuse=reuse)
        assert result.entity == "JournalEntry" and len(result) == len(expected)
        for fast, validated in zip(result, expected, strict=True):
            assert_same(fast, validated)


def test_shared_values_are_not_shared_rows() -> None:
    """Equal refs of two rows are distinct objects: changing one leaves the other."""
    first = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    second = Invoice.from_qbo(jsoncodec.loads(INVOICE))
    assert first.CurrencyRef is not None and second.CurrencyRef is not None
    first.CurrencyRef.value = "EUR"
    assert second.CurrencyRef.value == "USD"
    assert first != second


@pytest.mark.parametrize(
    "data",
    [
        {"type": "Customer", "name": "Acme", "value": "1"},
        {"type": "Customer", "extra": 1, "name": "Acme", "value": "1"},
        {"name": None, "value": "1"},
    ],
)
def test_keys_come_out_in_declaration_order(data: dict[str, Any]) -> None:
    """A row sending every field, in any order, dumps in the order validation keeps."""
    fast = ReferenceType.from_qbo(dict(data))
    validated = ReferenceType.model_validate(dict(data))
    for options in ({}, {"exclude_unset": True}, {"exclude_none": True}):
        assert jsoncodec.dumps(fast.model_dump(**options)) == jsoncodec.dumps(
            validated.model_dump(**options)
        )
    assert fast.model_dump_json() == validated.model_dump_json()


class _Shouting(ReferenceType):
    """A caller's subclass with a validator: the fast path must not skip it."""

    @pydantic.field_validator("name")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.upper() if value is not None else None


class _Defaulted(ReferenceType):
    type: str | None = "Customer"


class _Strict(ReferenceType):
    model_config = pydantic.ConfigDict(str_strip_whitespace=True)


@pytest.mark.parametrize("model", [_Shouting, _Defaulted, _Strict])
def test_subclasses_with_their_own_rules_are_validated(model: type[ReferenceType]) -> None:
    data = {"value": " 1 ", "name": "acme"}
    fast = model.from_qbo(dict(data))
    assert_same(fast, model.model_validate(dict(data)))
    assert fast.model_dump() == model.model_validate(dict(data)).model_dump()


@pytest.mark.parametrize("enabled", [True, False])
def test_a_page_leaves_the_garbage_collector_as_it_found_it(enabled: bool) -> None:
    """Decoding and building pause the collector, and put it back as it was, on failure too."""
    was = gc.isenabled()
    try:
        if not enabled:
            gc.disable()
        rows = build_rows(Invoice, [jsoncodec.loads(INVOICE), {"TotalAmt": "1.5"}, {}])
        assert gc.isenabled() is enabled
        assert [row.TotalAmt for row in rows] == [Decimal("600.10"), Decimal("1.5"), None]
        with pytest.raises(pydantic.ValidationError):
            build_rows(Invoice, [jsoncodec.loads(INVOICE), {"TotalAmt": "bad"}])
        assert gc.isenabled() is enabled
        for bad in ("{", "[" * 100_000):  # not JSON; too deep (a RecursionError inside)
            with pytest.raises(ValueError):
                jsoncodec.loads(bad)
            assert gc.isenabled() is enabled
    finally:
        if was:
            gc.enable()
