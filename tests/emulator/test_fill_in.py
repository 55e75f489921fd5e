"""What the server fills in: invoice and customer read-backs,
document numbers, sub-customers and totals."""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.helpers import fault_of

pytestmark = pytest.mark.anyio

SALES_FLAGS = (
    "AllowIPNPayment",
    "AllowOnlinePayment",
    "AllowOnlineCreditCardPayment",
    "AllowOnlineACHPayment",
)


def _numbers(doc: Any) -> list[Any]:
    """Every amount-like value in a document, to prove none is a string."""
    found: list[Any] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            if key in ("Amount", "TotalAmt", "Balance", "Deposit", "TotalTax", "Qty", "UnitPrice"):
                found.append(value)
            found.extend(_numbers(value))
    elif isinstance(doc, list):
        for item in doc:
            found.extend(_numbers(item))
    return found


async def test_invoice_read_back(api: Api) -> None:
    world = await World.load(api)
    customer = await api.create(
        "Customer",
        {
            "DisplayName": "Filled In Ltd",
            "PrimaryEmailAddr": {"Address": "ap@filled.example"},
            "BillAddr": {"Line1": "1 Ledger Lane", "City": "Reno"},
            "ShipAddr": {"Line1": "2 Dock Road", "City": "Reno"},
            "SalesTermRef": {"value": world.terms["Net 15"]},
        },
    )
    item = await world.service()
    response = await api.post(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-02-10",
            "Line": [
                {
                    "Amount": 257.5,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {
                        "ItemRef": item,
                        "Qty": 10.3,
                        "UnitPrice": 25,
                        "TaxCodeRef": {"value": "NON"},
                    },
                },
                {
                    "Amount": 1,
                    "DetailType": "SalesItemLineDetail",
                    "SalesItemLineDetail": {"ItemRef": item},
                },
            ],
        },
    )
    assert response.status_code == 200, response.text
    # amounts are bare JSON numbers and empty fields are left out, never null
    assert re.search(r'"TotalAmt":258\.5[,}]', response.text), response.text
    assert '"Amount":"' not in response.text and "null" not in response.text
    invoice = await api.read("Invoice", response.json()["Invoice"]["Id"])
    assert invoice == (await api.read("Invoice", invoice["Id"]))
    lines = invoice["Line"]
    assert [(ln.get("Id"), ln.get("LineNum")) for ln in lines[:2]] == [("1", 1), ("2", 2)]
    first = lines[0]["SalesItemLineDetail"]
    assert first["ItemAccountRef"] == {"value": world.accounts["Services"], "name": "Services"}
    assert first["ItemRef"] == {"value": item["value"], "name": "World Service"}
    assert first["TaxCodeRef"]["value"] == "NON"
    subtotal = lines[-1]
    assert subtotal["DetailType"] == "SubTotalLineDetail" and "Id" not in subtotal
    assert subtotal["Amount"] == Decimal("258.5") and len(lines) == 3
    assert invoice["CustomerRef"] == {"value": customer["Id"], "name": "Filled In Ltd"}
    assert invoice["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert invoice["LinkedTxn"] == [] and invoice["CustomField"] == []
    assert invoice["SalesTermRef"] == {"value": world.terms["Net 15"], "name": "Net 15"}
    assert invoice["DueDate"] == "2026-02-25"
    assert invoice["BillEmail"] == {"Address": "ap@filled.example"}
    assert invoice["BillAddr"]["Line1"] == "1 Ledger Lane"
    assert invoice["ShipAddr"]["Line1"] == "2 Dock Road"
    assert invoice["ApplyTaxAfterDiscount"] is False
    assert invoice["FreeFormAddress"] is False
    assert invoice["PrintStatus"] in ("NotSet", "NeedToPrint")
    assert invoice["EmailStatus"] == "NotSet"
    for flag in SALES_FLAGS:
        assert isinstance(invoice[flag], bool), flag
    assert invoice["TxnTaxDetail"]["TotalTax"] == 0
    assert invoice["TotalAmt"] == Decimal("258.5") == invoice["Balance"]
    assert invoice["Deposit"] == 0
    assert invoice["DocNumber"] and invoice["TxnDate"] == "2026-02-10"
    for value in _numbers(invoice):
        assert isinstance(value, (int, Decimal)) and not isinstance(value, bool), value


async def test_due_date_from_the_company_terms(local: Api) -> None:
    """Without customer terms the company's default (Net 30 in a new company) applies."""
    world = await World.load(local)
    invoice = await local.create(
        "Invoice",
        {
            "CustomerRef": await world.customer(),
            "TxnDate": "2026-01-31",
            "Line": [await world.sales_line()],
        },
    )
    assert invoice["SalesTermRef"]["value"] == world.terms["Net 30"]
    assert invoice["DueDate"] == (date(2026, 1, 31) + timedelta(days=30)).isoformat()
    explicit = await local.create(
        "Invoice",
        {
            "CustomerRef": await world.customer(),
            "TxnDate": "2026-01-31",
            "DueDate": "2026-02-02",
            "SalesTermRef": {"value": world.terms["Due on receipt"]},
            "Line": [await world.sales_line()],
        },
    )
    assert explicit["DueDate"] == "2026-02-02"
    assert explicit["SalesTermRef"]["name"] == "Due on receipt"


async def test_customer_read_back(db_api: Api) -> None:
    api = db_api
    customer = await api.create("Customer", {"DisplayName": "Read Back Co"})
    again = await api.read("Customer", customer["Id"])
    assert again == customer
    assert customer["Balance"] == 0 and customer["BalanceWithJobs"] == 0
    assert customer["Active"] is True
    assert customer["Job"] is False
    assert customer["BillWithParent"] is False
    assert isinstance(customer["Taxable"], bool)
    assert customer["PreferredDeliveryMethod"] in ("Print", "Email", "None")
    assert customer["FullyQualifiedName"] == "Read Back Co"
    assert customer["PrintOnCheckName"] == "Read Back Co"
    assert customer["CurrencyRef"] == {"value": "USD", "name": "United States Dollar"}
    assert customer["SyncToken"] == "0"


async def test_invoice_totals_follow_the_lines(db_api: Api) -> None:
    api = db_api
    world = await World.load(api)
    invoice = await api.create(
        "Invoice",
        {
            "CustomerRef": await world.customer(),
            "Line": [await world.sales_line(50), await world.sales_line(30)],
        },
    )
    assert invoice["TotalAmt"] == 80 and invoice["Balance"] == 80
    assert invoice["Line"][-1] == {
        "Amount": 80,
        "DetailType": "SubTotalLineDetail",
        "SubTotalLineDetail": {},
    }
    # a sparse update that sends Line replaces every line; the subtotal follows
    updated = await api.ok(
        "POST",
        "invoice",
        {
            "Id": invoice["Id"],
            "SyncToken": "0",
            "sparse": True,
            "Line": [await world.sales_line(12)],
        },
    )
    doc = updated["Invoice"]
    assert doc["TotalAmt"] == 12 and doc["Balance"] == 12
    assert [ln["DetailType"] for ln in doc["Line"]] == ["SalesItemLineDetail", "SubTotalLineDetail"]
    assert doc["Line"][-1]["Amount"] == 12
    # posting the read-back object (subtotal line included) does not add a second subtotal
    again = await api.ok("POST", "invoice", doc)
    assert [ln["DetailType"] for ln in again["Invoice"]["Line"]] == [
        "SalesItemLineDetail",
        "SubTotalLineDetail",
    ]
    assert again["Invoice"]["TotalAmt"] == 12


async def test_doc_number_sequence(local: Api) -> None:
    world = await World.load(local)
    customer = await world.customer()

    async def make(entity: str, **extra: Any) -> dict[str, Any]:
        return await local.create(
            entity, {"CustomerRef": customer, "Line": [await world.sales_line()], **extra}
        )

    first = await make("Invoice")
    taken = await make("Invoice", DocNumber="1003")
    second = await make("Invoice")
    third = await make("Invoice")
    assert (first["DocNumber"], taken["DocNumber"], second["DocNumber"], third["DocNumber"]) == (
        "1001",
        "1003",
        "1002",
        "1004",
    )
    # each form has its own sequence
    assert (await make("Estimate"))["DocNumber"] == "1001"
    assert (await local.create("SalesReceipt", {"Line": [await world.sales_line()]}))[
        "DocNumber"
    ] == "1001"


async def test_custom_transaction_numbers(local: Api) -> None:
    world = await World.load(local)
    customer = await world.customer()
    await local.ok(
        "POST",
        "preferences",
        {"SyncToken": "0", "sparse": True, "SalesFormsPrefs": {"CustomTxnNumbers": True}},
    )
    plain = await local.create(
        "Invoice", {"CustomerRef": customer, "Line": [await world.sales_line()]}
    )
    assert "DocNumber" not in plain
    for entity in ("Invoice", "Estimate", "SalesReceipt"):
        body: dict[str, Any] = {"Line": [await world.sales_line()], "DocNumber": "AUTO_GENERATE"}
        if entity != "SalesReceipt":
            body["CustomerRef"] = customer
        auto = await local.create(entity, body)
        assert auto["DocNumber"] == "1001", entity
    own = await local.create(
        "Invoice", {"CustomerRef": customer, "Line": [await world.sales_line()], "DocNumber": "A-7"}
    )
    assert own["DocNumber"] == "A-7"
    error = fault_of(
        await local.post(
            "creditmemo",
            {
                "CustomerRef": customer,
                "Line": [await world.sales_line()],
                "DocNumber": "AUTO_GENERATE",
            },
        )
    )
    assert error["code"] == "6000" and error["element"] == "DocNumber"


async def test_auto_generate_without_custom_numbers(local: Api) -> None:
    world = await World.load(local)
    body = {"CustomerRef": await world.customer(), "Line": [await world.sales_line()]}
    first = await local.create("Invoice", {**body, "DocNumber": "AUTO_GENERATE"})
    second = await local.create("Invoice", body)
    assert (first["DocNumber"], second["DocNumber"]) == ("1001", "1002")


async def test_sub_customers(db_api: Api) -> None:
    api = db_api
    parent = await api.create("Customer", {"DisplayName": "Parent Co"})
    child = await api.create(
        "Customer", {"DisplayName": "Kitchen", "ParentRef": {"value": parent["Id"]}}
    )
    assert child["Job"] is True
    assert child["FullyQualifiedName"] == "Parent Co:Kitchen"
    assert child["Level"] == 1
    assert child["ParentRef"] == {"value": parent["Id"], "name": "Parent Co"}
    assert child["BillWithParent"] is False
    assert parent["Level"] == 0 and parent["Job"] is False
    assert await api.read("Customer", child["Id"]) == child


async def test_sub_customers_nest_five_levels_deep(local: Api) -> None:
    top = await local.create("Customer", {"DisplayName": "L0"})
    chain = [top]
    for level in range(1, 5):
        chain.append(
            await local.create(
                "Customer", {"DisplayName": f"L{level}", "ParentRef": {"value": chain[-1]["Id"]}}
            )
        )
    deepest = chain[-1]
    assert deepest["Level"] == 4
    assert deepest["FullyQualifiedName"] == "L0:L1:L2:L3:L4"
    error = fault_of(
        await local.post("customer", {"DisplayName": "L5", "ParentRef": {"value": deepest["Id"]}})
    )
    assert error["code"] == "6000" and error["element"] == "ParentRef"
    error = fault_of(
        await local.post("customer", {"DisplayName": "Orphan", "ParentRef": {"value": "9999"}})
    )
    assert error["code"] == "2500"
    error = fault_of(
        await local.post(
            "customer",
            {"Id": top["Id"], "SyncToken": "0", "sparse": True, "ParentRef": {"value": top["Id"]}},
        )
    )
    assert error["code"] == "6000"


async def test_a_customer_cannot_move_under_its_own_sub_customer(local: Api) -> None:
    top = await local.create("Customer", {"DisplayName": "Top"})
    middle = await local.create(
        "Customer", {"DisplayName": "Middle", "ParentRef": {"value": top["Id"]}}
    )
    bottom = await local.create(
        "Customer", {"DisplayName": "Bottom", "ParentRef": {"value": middle["Id"]}}
    )
    for parent in (middle, bottom):
        move = {
            "Id": top["Id"],
            "SyncToken": "0",
            "sparse": True,
            "ParentRef": {"value": parent["Id"]},
        }
        error = fault_of(await local.post("customer", move))
        assert (error["code"], error["element"]) == ("6000", "ParentRef"), error
    assert await local.read("Customer", top["Id"]) == top
    # moving a leaf to another branch is fine and recomputes its place
    other = await local.create("Customer", {"DisplayName": "Other"})
    moved = await local.ok(
        "POST",
        "customer",
        {"Id": bottom["Id"], "SyncToken": "0", "sparse": True, "ParentRef": {"value": other["Id"]}},
    )
    assert moved["Customer"]["FullyQualifiedName"] == "Other:Bottom"
    assert moved["Customer"]["Level"] == 1


async def test_renaming_a_parent_renames_its_descendants(db_api: Api) -> None:
    api = db_api
    top = await api.create("Customer", {"DisplayName": "Old Name"})
    child = await api.create(
        "Customer", {"DisplayName": "Child", "ParentRef": {"value": top["Id"]}}
    )
    grand = await api.create(
        "Customer", {"DisplayName": "Grand", "ParentRef": {"value": child["Id"]}}
    )
    await api.ok(
        "POST",
        "customer",
        {"Id": top["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "New Name"},
    )
    child_after = await api.read("Customer", child["Id"])
    grand_after = await api.read("Customer", grand["Id"])
    assert child_after["FullyQualifiedName"] == "New Name:Child"
    assert grand_after["FullyQualifiedName"] == "New Name:Child:Grand"
    # Derived, not edited: the children keep their SyncToken.
    assert grand_after["SyncToken"] == grand["SyncToken"]
    found = await api.ok(
        "GET",
        "query",
        query="select * from Customer where FullyQualifiedName = 'new name:child:grand'",
    )
    assert [c["Id"] for c in found["QueryResponse"]["Customer"]] == [grand["Id"]]
