"""Generated models and the exact-decimal JSON codec."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pydantic
import pytest

from qbo.schema import catalogue, jsoncodec
from qbo.schema.base import QBOModel
from qbo.schema.models import ENTITY_MODELS, ENUM_VALUES, Customer, Invoice, ReferenceType

INVOICE_JSON = """{
  "Id": "130", "SyncToken": "0", "domain": "QBO", "sparse": false,
  "MetaData": {"CreateTime": "2026-02-10T09:02:11-08:00",
               "LastUpdatedTime": "2026-02-10T09:02:11-08:00"},
  "TxnDate": "2026-02-10", "DueDate": "2026-03-12", "DocNumber": "1037",
  "CustomerRef": {"value": "3", "name": "Cool Cars"},
  "Line": [
    {"Id": "1", "LineNum": 1, "Amount": 257.5, "DetailType": "SalesItemLineDetail",
     "SalesItemLineDetail": {"ItemRef": {"value": "1", "name": "Services"},
                             "Qty": 1, "UnitPrice": 257.5, "TaxCodeRef": {"value": "NON"}}},
    {"Amount": 257.5, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}
  ],
  "TxnTaxDetail": {"TotalTax": 0},
  "TotalAmt": 257.5, "Balance": 257.5, "Deposit": 0,
  "EmailStatus": "SomethingNew",
  "LinkedTxn": [], "CustomField": [],
  "BrandNewField": {"Rate": 0.10, "Flag": true}
}"""


def test_every_entity_has_a_model() -> None:
    assert set(ENTITY_MODELS) == set(catalogue().entities)
    for name, model in ENTITY_MODELS.items():
        assert issubclass(model, QBOModel) and model.__name__ == name
        for field in catalogue().entity(name).fields:
            assert field in model.model_fields or any(
                f.alias == field for f in model.model_fields.values()
            ), (name, field)


def test_invoice_round_trip_keeps_decimals_and_unknown_fields() -> None:
    data = jsoncodec.loads(INVOICE_JSON)
    assert data["TotalAmt"] == Decimal("257.5") and isinstance(data["Deposit"], int)
    invoice = Invoice.model_validate(data)
    assert invoice.TotalAmt == Decimal("257.5")
    assert invoice.TxnDate == dt.date(2026, 2, 10)
    assert invoice.MetaData is not None and invoice.MetaData.CreateTime is not None
    assert invoice.MetaData.CreateTime.utcoffset() == dt.timedelta(hours=-8)
    assert invoice.CustomerRef == ReferenceType(value="3", name="Cool Cars")
    assert invoice.Line is not None and invoice.Line[0].SalesItemLineDetail is not None
    assert invoice.Line[0].SalesItemLineDetail.UnitPrice == Decimal("257.5")
    assert invoice.EmailStatus == "SomethingNew"  # unknown enum values still load

    out = invoice.to_qbo()
    assert out["TotalAmt"] == Decimal("257.5")
    assert out["TxnDate"] == "2026-02-10"
    assert out["MetaData"]["CreateTime"] == "2026-02-10T09:02:11-08:00"
    assert out["BrandNewField"] == {"Rate": Decimal("0.10"), "Flag": True}
    assert "PrivateNote" not in out  # None omitted
    assert out["LinkedTxn"] == [] and out["Line"][1]["SubTotalLineDetail"] == {}

    text = jsoncodec.dumps(out)
    assert '"TotalAmt":257.5' in text and '"UnitPrice":257.5' in text
    assert '"Rate":0.10' in text
    assert jsoncodec.loads(text) == jsoncodec.loads(jsoncodec.dumps(data))


def test_customer_round_trip() -> None:
    body = {
        "DisplayName": "Acme",
        "Balance": Decimal("0"),
        "Active": True,
        "Job": False,
        "PrimaryEmailAddr": {"Address": "a@example.com"},
        "Whatever": [1, 2],
    }
    customer = Customer.model_validate(body)
    assert customer.PrimaryEmailAddr is not None
    assert customer.PrimaryEmailAddr.Address == "a@example.com"
    assert customer.to_qbo() == body
    assert Customer.from_qbo(body) == customer


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(pydantic.ValidationError):
        Invoice.model_validate({"MetaData": {"CreateTime": "2026-02-10T09:02:11"}})


def test_enum_values_are_published() -> None:
    assert "Bank" in ENUM_VALUES["AccountTypeEnum"]
    assert "NonInventory" in ENUM_VALUES["ItemTypeEnum"]


def test_codec_numbers() -> None:
    assert jsoncodec.loads("[1, 1.0, 2.50, -3e2]") == [
        1,
        Decimal("1.0"),
        Decimal("2.50"),
        Decimal("-3e2"),
    ]
    assert isinstance(jsoncodec.loads("12"), int)
    assert jsoncodec.dumps({"a": Decimal("0.1") + Decimal("0.2")}) == '{"a":0.3}'
    assert jsoncodec.dumps(dt.date(2026, 1, 2)) == '"2026-01-02"'
    with pytest.raises(ValueError):
        jsoncodec.dumps(Decimal("NaN"))
    with pytest.raises(TypeError):
        jsoncodec.dumps(object())
