"""The emulator answers in the shapes recorded real QuickBooks answers have.

Each test makes the request a recording was made of and compares the answer's keys and
JSON types with the recorded shape (``recorded/*.json``), so a change that drifts from
QBO's shape fails here. Fault texts recorded verbatim are compared as text too.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.config import AuthMode
from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.emulator.bodies import World, ref
from tests.fidelity.shape import differences, recorded

pytestmark = pytest.mark.anyio


def assert_shape(name: str, answer: Any) -> None:
    found = differences(recorded(name), answer)
    assert not found, f"{name}: " + "; ".join(found)


async def answer(api: Api, method: str, rest: str, body: Any = None, **params: str) -> Any:
    return await api.ok(method, rest, body, **params)


async def shop(api: Api, world: World) -> dict[str, Any]:
    return await api.create(
        "Customer",
        {
            "DisplayName": "Shape Shop",
            "PrimaryEmailAddr": {"Address": "ap@shape.example"},
            "BillAddr": {"Line1": "1 Ledger Lane", "City": "Reno"},
            "ShipAddr": {"Line1": "2 Dock Road", "City": "Reno"},
            "SalesTermRef": ref(world.terms["Net 30"]),
        },
    )


async def invoice(api: Api, world: World, customer_id: str) -> dict[str, Any]:
    line = await world.sales_line(250)
    line["SalesItemLineDetail"]["TaxCodeRef"] = {"value": "NON"}
    return await api.create("Invoice", {"CustomerRef": ref(customer_id), "Line": [line]})


async def journal_entry(api: Api, world: World) -> dict[str, Any]:
    def line(posting: str, account: str) -> dict[str, Any]:
        return {
            "Amount": 100,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {
                "PostingType": posting,
                "AccountRef": world.account(account),
            },
        }

    body = {"Line": [line("Debit", "Office Expenses"), line("Credit", "Checking")]}
    return await api.create("JournalEntry", body)


async def test_customer(api: Api) -> None:
    customer = await shop(api, await World.load(api))
    read = await answer(api, "GET", f"customer/{customer['Id']}")
    assert_shape("customer", read)
    assert read["Customer"]["BillAddr"]["Id"] != read["Customer"]["ShipAddr"]["Id"]


async def test_invoice(api: Api) -> None:
    world = await World.load(api)
    customer = await shop(api, world)
    created = await invoice(api, world, customer["Id"])
    read = await answer(api, "GET", f"invoice/{created['Id']}")
    assert_shape("invoice", read)
    # The invoice's addresses are the customer's, Ids and all.
    assert read["Invoice"]["BillAddr"] == customer["BillAddr"]


async def test_invoice_read_back_and_sent_again(api: Api) -> None:
    """An answer sent back unchanged (CustomExtensions, empty refs, address Ids) is accepted."""
    world = await World.load(api)
    created = await invoice(api, world, (await shop(api, world))["Id"])
    updated = await answer(api, "POST", "invoice", created)
    assert_shape("invoice", updated)
    assert updated["Invoice"]["BillAddr"]["Id"] == created["BillAddr"]["Id"]


async def test_company_info(api: Api) -> None:
    assert_shape("companyinfo", await answer(api, "GET", f"companyinfo/{api.realm}"))


async def test_journal_entry(api: Api) -> None:
    created = await journal_entry(api, await World.load(api))
    assert_shape("journalentry", await answer(api, "GET", f"journalentry/{created['Id']}"))


async def test_payment(api: Api) -> None:
    world = await World.load(api)
    customer = await shop(api, world)
    inv = await invoice(api, world, customer["Id"])
    line = {"Amount": 100, "LinkedTxn": [{"TxnId": inv["Id"], "TxnType": "Invoice"}]}
    body = {"CustomerRef": ref(customer["Id"]), "TotalAmt": 100, "Line": [line]}
    created = await api.create("Payment", body)
    read = await answer(api, "GET", f"payment/{created['Id']}")
    assert_shape("payment", read)
    pairs = [item["value"] for item in read["Payment"]["Line"][0]["LineEx"]["any"]]
    assert pairs == [
        {"Name": "txnId", "Value": inv["Id"]},
        {"Name": "txnOpenBalance", "Value": "150"},
        {"Name": "txnReferenceNumber", "Value": inv["DocNumber"]},
    ]


async def test_journal_entry_query(api: Api) -> None:
    await journal_entry(api, await World.load(api))
    data = await answer(api, "GET", "query", query="select * from JournalEntry")
    assert_shape("query_journalentry", data)


async def test_cdc(api: Api) -> None:
    realm = api.emulator.realms.get(api.realm)
    assert realm is not None
    with api.emulator.realms.session(realm, write=False) as s:
        since = s.meta_now()
    await api.create("Customer", {"DisplayName": "Shape Shop"})
    assert_shape("cdc", await answer(api, "GET", "cdc", entities="Customer", changedSince=since))


async def fault_body(response: httpx.Response, status: int = 400) -> Any:
    assert response.status_code == status, response.text
    return jsoncodec.loads(response.text)


async def test_query_parser_fault(api: Api) -> None:
    body = await fault_body(await api.get("query", query="select * from Bill where Id TxnDate"))
    assert_shape("fault_4000", body)
    recorded_detail = recorded("fault_4000")["Fault"]["Error"][0]["Detail"]
    assert body["Fault"]["Error"][0]["Detail"].startswith(recorded_detail)


async def test_query_validation_fault(api: Api) -> None:
    body = await fault_body(await api.get("query", query="select NoSuchField from Purchase"))
    assert_shape("fault_4001", body)
    assert (
        body["Fault"]["Error"][0]["Detail"] == recorded("fault_4001")["Fault"]["Error"][0]["Detail"]
    )


async def test_deleted_transaction_fault(api: Api) -> None:
    created = await journal_entry(api, await World.load(api))
    deleted = {"Id": created["Id"], "SyncToken": created["SyncToken"]}
    await answer(api, "POST", "journalentry", deleted, operation="delete")
    body = await fault_body(await api.get(f"journalentry/{created['Id']}"))
    assert_shape("fault_610", body)
    assert (
        body["Fault"]["Error"][0]["Detail"] == recorded("fault_610")["Fault"]["Error"][0]["Detail"]
    )


async def test_duplicate_name_fault(api: Api) -> None:
    first = await api.create("Customer", {"DisplayName": "Shape Twin"})
    body = await fault_body(await api.post("customer", {"DisplayName": "Shape Twin"}))
    assert_shape("fault_6240", body)
    assert re.search(r": Id=\d+$", recorded("fault_6240")["Fault"]["Error"][0]["Detail"])
    assert body["Fault"]["Error"][0]["Detail"].endswith(f": Id={first['Id']}")


@pytest.fixture
async def oauth_http() -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", auth=AuthMode.OAUTH))
    try:
        transport = httpx.ASGITransport(app=create_app(emulator))
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as http:
            yield http, emulator.realms.list()[0].realm_id
    finally:
        emulator.close()


async def test_unauthenticated_fault(oauth_http: tuple[httpx.AsyncClient, str]) -> None:
    http, realm = oauth_http
    response = await http.get(
        f"/v3/company/{realm}/companyinfo/{realm}", headers={"Authorization": "Bearer nonsense"}
    )
    assert_shape("fault_401", await fault_body(response, 401))
