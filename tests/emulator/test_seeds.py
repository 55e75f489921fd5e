"""Seeds: a new company (``empty``), a year of books (``demo``) and ``large:N``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Any

import pytest

from qbo.emulator import Emulator
from tests.conftest import Api
from tests.emulator.conftest import client_for
from tests.emulator.helpers import check_entity, count, create, read, realm_of

pytestmark = pytest.mark.anyio

TERMS = {"Due on receipt": 0, "Net 15": 15, "Net 30": 30, "Net 60": 60}
PAYMENT_METHODS = {"Cash", "Check", "Visa", "MasterCard", "American Express", "Discover"}
#: Accounts every new US company has and the posting rules need, with their types.
KEY_ACCOUNTS = {
    "Accounts Receivable (A/R)": "Accounts Receivable",
    "Accounts Payable (A/P)": "Accounts Payable",
    "Undeposited Funds": "Other Current Asset",
    "Inventory Asset": "Other Current Asset",
    "Checking": "Bank",
    "Sales of Product Income": "Income",
    "Services": "Income",
    "Cost of Goods Sold": "Cost of Goods Sold",
    "Opening Balance Equity": "Equity",
    "Retained Earnings": "Equity",
}
TRANSACTIONS = ("Invoice", "Payment", "Bill", "Purchase", "Estimate", "Deposit", "JournalEntry")


def _all(api: Api, entity: str) -> list[dict[str, Any]]:
    with api.emulator.realms.session(realm_of(api), write=False) as s:
        return s.all(entity)


async def _realm(api: Api, seed: str) -> Api:
    response = await api.client.post("/_emulator/realms", json={"seed": seed})
    assert response.status_code == 201, response.text
    return Api(api.client, api.emulator, response.json()["realmId"])


async def test_empty_seed(local: Api) -> None:
    accounts = {a["Name"]: a for a in _all(local, "Account")}
    for name, kind in KEY_ACCOUNTS.items():
        assert accounts[name]["AccountType"] == kind, name
        assert accounts[name]["Active"] is True
    assert len(accounts) >= 20
    terms = {t["Name"]: t for t in _all(local, "Term")}
    assert {name: t["DueDays"] for name, t in terms.items()} == TERMS
    assert {p["Name"] for p in _all(local, "PaymentMethod")} == PAYMENT_METHODS
    for code, taxable in (("TAX", True), ("NON", False)):
        doc = await read(local, "TaxCode", code)
        assert doc["Id"] == code and doc["Taxable"] is taxable
        check_entity(doc, "0", "America/Los_Angeles")
    info = await read(local, "CompanyInfo", local.realm)
    check_entity(info, "0", "America/Los_Angeles")
    prefs = (await local.ok("GET", "preferences"))["Preferences"]
    check_entity(prefs, "0", "America/Los_Angeles")
    for entity in ("Customer", "Vendor", "Employee", "Item", "Invoice", "Bill", "Payment"):
        assert count(local, entity) == 0, entity
    # every seeded object is valid input: a read-back posts back as a full update
    for entity, doc in (("Account", accounts["Checking"]), ("Term", terms["Net 30"])):
        again = await create(local, entity, doc)
        assert again["SyncToken"] == "1"
    prefs_again = await local.ok("POST", "preferences", prefs)
    assert prefs_again["Preferences"]["SyncToken"] == "1"


@pytest.fixture
async def demo(local_emulator: Emulator) -> AsyncIterator[Api]:
    realm = local_emulator.realms.create("demo")
    async with client_for(local_emulator) as client:
        yield Api(client, local_emulator, realm.realm_id)


async def test_demo_seed(demo: Api) -> None:
    customers = _all(demo, "Customer")
    assert len(customers) >= 25
    jobs = [c for c in customers if c.get("Job")]
    assert jobs and all(":" in c["FullyQualifiedName"] and c["ParentRef"] for c in jobs)
    assert count(demo, "Vendor") >= 20
    items = _all(demo, "Item")
    assert len(items) >= 15
    assert {"Service", "Inventory", "NonInventory"} <= {i["Type"] for i in items}
    for entity in TRANSACTIONS:
        docs = _all(demo, entity)
        assert docs, f"the demo has no {entity}"
    invoices = _all(demo, "Invoice")
    dates = sorted(date.fromisoformat(i["TxnDate"]) for i in invoices)
    assert (dates[-1] - dates[0]).days >= 300, "a year of invoices"
    for invoice in invoices:
        assert invoice["Line"][-1]["DetailType"] == "SubTotalLineDetail"
        assert invoice["DocNumber"]
    # the seeded books answer through the API like anything else
    some_invoice = invoices[len(invoices) // 2]
    assert await read(demo, "Invoice", some_invoice["Id"]) == some_invoice
    job = jobs[0]
    assert (await read(demo, "Customer", job["Id"]))["FullyQualifiedName"] == job[
        "FullyQualifiedName"
    ]
    again = await create(demo, "Customer", job)
    assert again["SyncToken"] == str(int(job["SyncToken"]) + 1)


async def test_large_seed(local: Api) -> None:
    big = await _realm(local, "large:21")
    customers = _all(big, "Customer")
    invoices = _all(big, "Invoice")
    assert len(customers) + len(invoices) == 21
    assert len(customers) >= 1
    ids = {c["Id"] for c in customers}
    assert [c["Id"] for c in customers] == [str(n) for n in range(1, len(customers) + 1)]
    for invoice in invoices:
        assert invoice["CustomerRef"]["value"] in ids
        assert invoice["TotalAmt"] == invoice["Line"][-1]["Amount"] > 0
    assert await read(big, "Invoice", invoices[-1]["Id"]) == invoices[-1]
    # names are unique, so the realm stays writable through the API
    fresh = await big.create("Customer", {"DisplayName": "After Large"})
    assert fresh["Id"] == str(len(customers) + 1)
