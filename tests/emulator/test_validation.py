"""Validation faults with QBO's codes, messages, elements and HTTP statuses.

Every case prepares what it needs, snapshots the realm, sends one bad request and checks
the fault exactly, then proves the realm did not change (objects, id sequences and the
change log) and that no response carries a stack trace.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx
import pytest

from qbo.schema import CODES
from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.helpers import fault_of, snapshot

pytestmark = pytest.mark.anyio

Attempt = Callable[[], Awaitable[httpx.Response]]
Setup = Callable[[Api], Awaitable[Attempt]]

STALE_DETAIL = (
    "Stale Object Error : You and {user} were working on this at the same time. "
    "{user} finished before you did, so your work was not saved."
)


@dataclass(frozen=True)
class Case:
    setup: Setup
    code: str
    element: str = ""
    detail: str = ""  # a substring the Detail must contain
    exact_detail: bool = False


async def _customer(api: Api, name: str = "Valid Customer", **extra: object) -> dict[str, str]:
    return await api.create("Customer", {"DisplayName": name, **extra})


async def _invoice_body(
    api: Api, customer_id: str | None = None, **extra: object
) -> dict[str, object]:
    world = await World.load(api)
    customer = {"value": customer_id} if customer_id else await world.customer()
    return {"CustomerRef": customer, "Line": [await world.sales_line(50)], **extra}


async def unknown_property(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": "Unknown Prop", "Nickname": "Bob"})


async def unknown_nested_property(api: Api) -> Attempt:
    return lambda: api.post(
        "customer", {"DisplayName": "Nested", "BillAddr": {"Line1": "1 Road", "Planet": "Mars"}}
    )


async def unknown_ref_property(api: Api) -> Attempt:
    world = await World.load(api)
    body = {
        "AccountRef": world.account("Checking") | {"colour": "red"},
        "PaymentType": "Cash",
        "Line": [world.expense_line()],
    }
    return lambda: api.post("purchase", body)


async def required_display_name(api: Api) -> Attempt:
    return lambda: api.post("customer", {"Notes": "no name at all"})


async def required_invoice_line(api: Api) -> Attempt:
    customer = await _customer(api)
    return lambda: api.post("invoice", {"CustomerRef": {"value": customer["Id"]}})


async def required_item_type(api: Api) -> Attempt:
    return lambda: api.post("item", {"Name": "No Type"})


async def required_inventory_asset_account(api: Api) -> Attempt:
    world = await World.load(api)
    body = {
        "Name": "Half Inventory",
        "Type": "Inventory",
        "TrackQtyOnHand": True,
        "QtyOnHand": 1,
        "InvStartDate": "2025-01-01",
        "IncomeAccountRef": world.account("Sales of Product Income"),
        "ExpenseAccountRef": world.account("Cost of Goods Sold"),
    }
    return lambda: api.post("item", body)


async def required_sync_token(api: Api) -> Attempt:
    customer = await _customer(api)
    return lambda: api.post("customer", {"Id": customer["Id"], "sparse": True, "Notes": "x"})


async def missing_reference(api: Api) -> Attempt:
    body = await _invoice_body(api, customer_id="9999")
    return lambda: api.post("invoice", body)


async def inactive_reference(api: Api) -> Attempt:
    customer = await _customer(api, "Gone Away")
    await api.ok(
        "POST",
        "customer",
        {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False},
    )
    body = await _invoice_body(api, customer_id=customer["Id"])
    return lambda: api.post("invoice", body)


async def missing_line_item(api: Api) -> Attempt:
    body = await _invoice_body(api)
    body["Line"][0]["SalesItemLineDetail"]["ItemRef"] = {"value": "777"}  # type: ignore[index]
    return lambda: api.post("invoice", body)


async def not_found_read(api: Api) -> Attempt:
    return lambda: api.get("customer/424242")


async def not_found_update(api: Api) -> Attempt:
    return lambda: api.post(
        "customer", {"Id": "424242", "SyncToken": "0", "sparse": True, "Notes": "x"}
    )


async def not_found_delete(api: Api) -> Attempt:
    return lambda: api.post("invoice", {"Id": "424242", "SyncToken": "0"}, operation="delete")


async def not_found_after_delete(api: Api) -> Attempt:
    invoice = await api.create("Invoice", await _invoice_body(api))
    await api.ok("POST", "invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")
    return lambda: api.post(
        "invoice", {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "x"}
    )


async def non_numeric_id(api: Api) -> Attempt:
    return lambda: api.get("customer/abc")


async def stale_sync_token(api: Api) -> Attempt:
    customer = await _customer(api)
    await api.ok(
        "POST",
        "customer",
        {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "first"},
    )
    return lambda: api.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Notes": "late"}
    )


async def future_sync_token(api: Api) -> Attempt:
    customer = await _customer(api)
    return lambda: api.post(
        "customer", {"Id": customer["Id"], "SyncToken": "7", "sparse": True, "Notes": "x"}
    )


async def stale_delete(api: Api) -> Attempt:
    invoice = await api.create("Invoice", await _invoice_body(api))
    await api.ok(
        "POST",
        "invoice",
        {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "v1"},
    )
    return lambda: api.post("invoice", {"Id": invoice["Id"], "SyncToken": "0"}, operation="delete")


async def duplicate_customer_name(api: Api) -> Attempt:
    await _customer(api, "Shared Name")
    return lambda: api.post("customer", {"DisplayName": "Shared Name"})


async def vendor_takes_customer_name(api: Api) -> Attempt:
    await _customer(api, "Shared Name")
    return lambda: api.post("vendor", {"DisplayName": "Shared Name"})


async def employee_takes_vendor_name(api: Api) -> Attempt:
    await api.create("Vendor", {"DisplayName": "Jane Doe"})
    return lambda: api.post("employee", {"GivenName": "Jane", "FamilyName": "Doe"})


async def rename_onto_another(api: Api) -> Attempt:
    await _customer(api, "First")
    second = await _customer(api, "Second")
    return lambda: api.post(
        "customer", {"Id": second["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "First"}
    )


async def duplicate_item_name(api: Api) -> Attempt:
    world = await World.load(api)
    await world.service()
    return lambda: api.post(
        "item",
        {"Name": "World Service", "Type": "Service", "IncomeAccountRef": world.account("Services")},
    )


async def duplicate_account_name(api: Api) -> Attempt:
    return lambda: api.post("account", {"Name": "Checking", "AccountType": "Bank"})


async def duplicate_doc_number(api: Api) -> Attempt:
    await api.create("Invoice", await _invoice_body(api, DocNumber="INV-7"))
    body = await _invoice_body(api, DocNumber="INV-7")
    return lambda: api.post("invoice", body)


async def amount_mismatch(api: Api) -> Attempt:
    body = await _invoice_body(api)
    body["Line"][0]["Amount"] = 51  # type: ignore[index]
    return lambda: api.post("invoice", body)


async def long_display_name(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": "x" * 501})


async def long_doc_number(api: Api) -> Attempt:
    body = await _invoice_body(api, DocNumber="D" * 22)
    return lambda: api.post("invoice", body)


async def long_nested_string(api: Api) -> Attempt:
    return lambda: api.post(
        "customer", {"DisplayName": "Long City", "BillAddr": {"City": "c" * 256}}
    )


async def delete_name_list(api: Api) -> Attempt:
    customer = await _customer(api)
    return lambda: api.post(
        "customer", {"Id": customer["Id"], "SyncToken": "0"}, operation="delete"
    )


async def update_tax_agency(api: Api) -> Attempt:
    agency = await api.create("TaxAgency", {"DisplayName": "Tax Office"})
    return lambda: api.post(
        "taxagency", {"Id": agency["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "Other"}
    )


async def malformed_json(api: Api) -> Attempt:
    return lambda: api.post("customer", '{"DisplayName": "Broken",')


async def empty_body(api: Api) -> Attempt:
    return lambda: api.post("customer", "")


async def not_an_object(api: Api) -> Attempt:
    return lambda: api.post("customer", [{"DisplayName": "In a list"}])


async def string_for_number(api: Api) -> Attempt:
    world = await World.load(api)
    return lambda: api.post(
        "item",
        {
            "Name": "Cheap",
            "Type": "Service",
            "UnitPrice": "ten",
            "IncomeAccountRef": world.account("Services"),
        },
    )


async def object_for_string(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": {"first": "Ann"}})


async def number_for_ref(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": "Child", "ParentRef": 1})


async def array_for_object(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": "Arrays", "BillAddr": ["1 Road"]})


async def string_for_boolean(api: Api) -> Attempt:
    return lambda: api.post("customer", {"DisplayName": "Bools", "Taxable": "maybe"})


async def bad_date(api: Api) -> Attempt:
    body = await _invoice_body(api, TxnDate="2026-02-30")
    return lambda: api.post("invoice", body)


async def bad_enum(api: Api) -> Attempt:
    return lambda: api.post("account", {"Name": "Odd", "AccountType": "Treasure Chest"})


async def string_for_line_amount(api: Api) -> Attempt:
    body = await _invoice_body(api)
    body["Line"][0]["Amount"] = "fifty"  # type: ignore[index]
    return lambda: api.post("invoice", body)


async def non_finite_number(api: Api) -> Attempt:
    world = await World.load(api)
    account = world.accounts["Services"]
    raw = '{"Name": "Inf", "Type": "Service", "UnitPrice": 1e999, "IncomeAccountRef": {"value": "ACCOUNT"}}'
    return lambda: api.post("item", raw.replace("ACCOUNT", account))


CASES: dict[str, Case] = {
    "unknown property": Case(unknown_property, "2010", "Nickname", "Property Name:Nickname"),
    "unknown nested property": Case(
        unknown_nested_property, "2010", "BillAddr.Planet", "Property Name:BillAddr.Planet"
    ),
    "unknown reference attribute": Case(
        unknown_ref_property, "2010", "AccountRef.colour", "AccountRef.colour"
    ),
    "required DisplayName": Case(required_display_name, "2020", "DisplayName", "DisplayName"),
    "required Line": Case(required_invoice_line, "2020", "Line", "Line"),
    "required Item Type": Case(required_item_type, "2020", "Type", "Type"),
    "required AssetAccountRef": Case(
        required_inventory_asset_account, "2020", "AssetAccountRef", "AssetAccountRef"
    ),
    "required SyncToken": Case(required_sync_token, "2020", "SyncToken", "SyncToken"),
    "missing reference": Case(missing_reference, "2500", "CustomerRef", "9999"),
    "inactive reference": Case(inactive_reference, "2500", "CustomerRef", "inactive"),
    "missing item on a line": Case(
        missing_line_item, "2500", "Line.SalesItemLineDetail.ItemRef", "777"
    ),
    "not found on read": Case(not_found_read, "610", "", "424242"),
    "not found on update": Case(not_found_update, "610", "", "424242"),
    # A missing transaction gets QBO's recorded wording, which names no Id.
    "not found on delete": Case(
        not_found_delete, "610", "", "Object Not Found : Another user has deleted this transaction."
    ),
    "not found after delete": Case(not_found_after_delete, "610"),
    "not found for a non-numeric id": Case(non_numeric_id, "610", "", "abc"),
    "stale SyncToken": Case(
        stale_sync_token, "5010", "", STALE_DETAIL.format(user="another user"), exact_detail=True
    ),
    "SyncToken from the future": Case(future_sync_token, "5010"),
    "stale delete": Case(stale_delete, "5010"),
    "duplicate customer": Case(
        duplicate_customer_name, "6240", "", "The name supplied already exists. : "
    ),
    "vendor with a customer's name": Case(
        vendor_takes_customer_name, "6240", "", "The name supplied already exists."
    ),
    "employee name built onto a vendor's": Case(employee_takes_vendor_name, "6240"),
    "rename onto another customer": Case(rename_onto_another, "6240"),
    "duplicate item": Case(duplicate_item_name, "6240"),
    "duplicate account": Case(duplicate_account_name, "6240"),
    "duplicate DocNumber": Case(duplicate_doc_number, "6140", "DocNumber", "INV-7"),
    "Qty x UnitPrice != Amount": Case(amount_mismatch, "6070", "Line.Amount", "51"),
    "DisplayName over 500": Case(long_display_name, "2050", "DisplayName", "DisplayName"),
    "DocNumber over 21": Case(long_doc_number, "2050", "DocNumber", "DocNumber"),
    "nested string too long": Case(long_nested_string, "2050", "BillAddr.City", "BillAddr.City"),
    "delete a name-list entity": Case(delete_name_list, "500"),
    "update a TaxAgency": Case(update_tax_agency, "500"),
    "malformed JSON": Case(malformed_json, "2010", "", "JSON"),
    "empty body": Case(empty_body, "2010", "", "empty"),
    "body not an object": Case(not_an_object, "2010", "Customer", "expected an object"),
    "string for a number": Case(string_for_number, "2010", "UnitPrice", "Property Name:UnitPrice"),
    "object for a string": Case(
        object_for_string, "2010", "DisplayName", "Property Name:DisplayName"
    ),
    "number for a reference": Case(number_for_ref, "2010", "ParentRef", "Property Name:ParentRef"),
    "array for an object": Case(array_for_object, "2010", "BillAddr", "Property Name:BillAddr"),
    "string for a boolean": Case(string_for_boolean, "2010", "Taxable", "Property Name:Taxable"),
    "impossible date": Case(bad_date, "2010", "TxnDate", "Property Name:TxnDate"),
    "enum value outside the list": Case(bad_enum, "2010", "AccountType", "AccountType"),
    "string for a line amount": Case(
        string_for_line_amount, "2010", "Line[0].Amount", "Line[0].Amount"
    ),
    "infinite number": Case(non_finite_number, "2010", "UnitPrice", "UnitPrice"),
}


@pytest.mark.parametrize("name", list(CASES))
async def test_fault(db_api: Api, name: str) -> None:
    """Every case on both databases, in-process."""
    await _check(db_api, name)


@pytest.mark.parametrize("name", ["stale SyncToken", "not found on read", "malformed JSON"])
async def test_fault_over_every_transport(api: Api, name: str) -> None:
    """A few cases over a real socket too: statuses and bodies survive the transport."""
    await _check(api, name)


async def _check(api: Api, name: str) -> None:
    case = CASES[name]
    attempt = await case.setup(api)
    before = snapshot(api)
    response = await attempt()
    error = fault_of(response, 400)
    assert error["code"] == case.code, (name, error)
    assert error["Message"] == CODES[case.code].message, error
    assert error["type"] == "ValidationFault"
    assert error["element"] == case.element, (name, error)
    if case.exact_detail:
        assert error["Detail"] == case.detail, error
    else:
        assert case.detail in error["Detail"], (name, error)
    assert snapshot(api) == before, f"{name}: a rejected request changed the realm"


async def test_allow_duplicate_doc_number(db_api: Api) -> None:
    api = db_api
    first = await api.create("Invoice", await _invoice_body(api, DocNumber="DUP-1"))
    second = await api.create(
        "Invoice", await _invoice_body(api, DocNumber="DUP-1"), include="allowduplicatedocnum"
    )
    assert first["DocNumber"] == second["DocNumber"] == "DUP-1"
    assert first["Id"] != second["Id"]


async def test_same_doc_number_on_another_entity_is_fine(local: Api) -> None:
    body = await _invoice_body(local, DocNumber="X-1")
    await local.create("Invoice", body)
    estimate = await local.create("Estimate", body)
    assert estimate["DocNumber"] == "X-1"


async def test_an_update_may_keep_its_own_doc_number(local: Api) -> None:
    invoice = await local.create("Invoice", await _invoice_body(local, DocNumber="KEEP-1"))
    doc = await local.ok(
        "POST",
        "invoice",
        {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "DocNumber": "KEEP-1"},
    )
    assert doc["Invoice"]["DocNumber"] == "KEEP-1"


async def test_fault_status_for_unknown_realm(local: Api) -> None:
    """A realm that does not exist is refused at the gateway (403, lower-case shape)."""
    response = await local.client.get("/v3/company/123/customer/1")
    assert response.status_code == 403
    assert response.headers.get("intuit_tid")
    data = response.json()
    assert data["fault"]["error"][0]["code"] == "3100"


async def test_several_names_for_one_person(local: Api) -> None:
    """DisplayName is built from the name parts; the parts then count for uniqueness."""
    employee = await local.create(
        "Employee", {"Title": "Dr", "GivenName": "Ada", "FamilyName": "Lovelace"}
    )
    assert employee["DisplayName"] == "Dr Ada Lovelace"
    error = fault_of(await local.post("customer", {"DisplayName": "Dr Ada Lovelace"}))
    assert error["code"] == "6240"


@pytest.mark.parametrize("entity", ["SalesReceipt", "Invoice", "Bill", "JournalEntry"])
async def test_a_line_with_neither_detail_type_nor_amount_is_refused(
    local: Api, entity: str
) -> None:
    world = await World.load(local)
    party = (
        {"VendorRef": await world.vendor()}
        if entity == "Bill"
        else {}
        if entity == "JournalEntry"
        else {"CustomerRef": await world.customer()}
    )
    before = snapshot(local)
    for lines in ([{}], [{"Description": "no kind, no amount"}], [{}] * 20_001):
        response = await local.post(entity.lower(), {**party, "Line": lines})
        error = fault_of(response)
        assert error["code"] == "2020", error
        assert error["element"] == "Line[0].DetailType"
        assert "Required parameter Line[0].DetailType is missing" in error["Detail"]
    assert snapshot(local) == before
