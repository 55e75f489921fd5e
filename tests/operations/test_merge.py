"""POST /_emulator/realms/{realm}/merge: transactions move, the merged object becomes a
tombstone in CDC, and the change log carries a Merge with the removed id."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.conftest import Api
from tests.emulators import account_id, decode, invoice_body, service_item

pytestmark = pytest.mark.anyio


async def merge(api: Api, entity: str, from_id: str, into_id: str) -> tuple[int, Any]:
    response = await api.client.post(
        f"/_emulator/realms/{api.realm}/merge",
        json={"entity": entity, "from": from_id, "into": into_id},
    )
    return response.status_code, decode(response)


async def test_customer_merge_moves_transactions_and_children(local_api: Api) -> None:
    api = local_api
    since = (api.emulator.clock.now() - timedelta(seconds=2)).isoformat()
    item = await service_item(api)
    old = await api.create("Customer", {"DisplayName": "Old Name Inc"})
    new = await api.create("Customer", {"DisplayName": "New Name Inc"})
    child = await api.create(
        "Customer", {"DisplayName": "Branch", "ParentRef": {"value": old["Id"]}}
    )
    assert child["FullyQualifiedName"] == "Old Name Inc:Branch"
    moved_a = await api.create("Invoice", invoice_body(old["Id"], item, 10))
    moved_b = await api.create("Invoice", invoice_body(old["Id"], item, 20))
    stays = await api.create("Invoice", invoice_body(new["Id"], item, 30))

    status, data = await merge(api, "Customer", old["Id"], new["Id"])

    assert status == 200, data
    assert data["deletedId"] == old["Id"]
    assert data["Customer"]["Id"] == new["Id"] and data["Customer"]["SyncToken"] == "1"
    assert {(m["entity"], m["Id"]) for m in data["moved"]} == {
        ("Invoice", moved_a["Id"]),
        ("Invoice", moved_b["Id"]),
        ("Customer", child["Id"]),
    }
    gone = await api.get(f"customer/{old['Id']}")
    assert (await api.fault(gone, 400))["code"] == "610"
    for invoice in (moved_a, moved_b):
        now = await api.read("Invoice", invoice["Id"])
        assert now["CustomerRef"] == {"value": new["Id"], "name": "New Name Inc"}
        assert now["SyncToken"] == "1"
        assert now["TotalAmt"] == invoice["TotalAmt"]
    assert (await api.read("Invoice", stays["Id"]))["SyncToken"] == "0"
    moved_child = await api.read("Customer", child["Id"])
    assert moved_child["FullyQualifiedName"] == "New Name Inc:Branch"
    # The query columns followed the documents.
    found = await api.ok(
        "GET", "query", query=f"select * from Invoice where CustomerRef = '{new['Id']}'"
    )
    assert len(found["QueryResponse"]["Invoice"]) == 3

    cdc = await api.ok("GET", "cdc", entities="Customer,Invoice", changedSince=since)
    customers, invoices = cdc["CDCResponse"][0]["QueryResponse"]
    by_id = {c["Id"]: c for c in customers["Customer"]}
    assert by_id[old["Id"]]["status"] == "Deleted"
    assert set(by_id[old["Id"]]) == {"domain", "status", "Id", "MetaData"}
    assert by_id[new["Id"]]["SyncToken"] == "1"
    assert {i["Id"] for i in invoices["Invoice"]} == {moved_a["Id"], moved_b["Id"], stays["Id"]}

    changes = api.emulator.store.tables.changes
    with api.emulator.store.read() as conn:
        rows = conn.execute(
            select(changes.c.entity, changes.c.entity_id, changes.c.deleted_id).where(
                changes.c.realm_id == api.realm, changes.c.operation == "Merge"
            )
        ).all()
    assert [tuple(r) for r in rows] == [("Customer", int(new["Id"]), int(old["Id"]))]


async def test_item_and_account_merges_rewrite_line_references(local_api: Api) -> None:
    api = local_api
    customer = await api.create("Customer", {"DisplayName": "Buyer"})
    income = account_id(api, "Services")
    other_income = (
        await api.create("Account", {"Name": "Consulting Income", "AccountType": "Income"})
    )["Id"]
    first = await service_item(api, "Design")
    second = (
        await api.create(
            "Item",
            {"Name": "Drafting", "Type": "Service", "IncomeAccountRef": {"value": other_income}},
        )
    )["Id"]
    invoice = await api.create("Invoice", invoice_body(customer["Id"], first))

    status, data = await merge(api, "Item", first, second)
    assert status == 200, data
    line = (await api.read("Invoice", invoice["Id"]))["Line"][0]["SalesItemLineDetail"]
    assert line["ItemRef"] == {"value": second, "name": "Drafting"}

    status, data = await merge(api, "Account", other_income, income)
    assert status == 200, data
    item = await api.read("Item", second)
    assert item["IncomeAccountRef"]["value"] == income
    assert item["SyncToken"] == "2"  # once as the surviving item, once for the account
    line = (await api.read("Invoice", invoice["Id"]))["Line"][0]["SalesItemLineDetail"]
    assert line["ItemAccountRef"]["value"] == income


async def test_merges_that_are_refused_change_nothing(local_api: Api) -> None:
    api = local_api
    parent = await api.create("Customer", {"DisplayName": "Parent"})
    kid = await api.create("Customer", {"DisplayName": "Kid", "ParentRef": {"value": parent["Id"]}})
    idle = await api.create("Customer", {"DisplayName": "Idle"})
    await api.ok(
        "POST", "customer", {"Id": idle["Id"], "SyncToken": "0", "sparse": True, "Active": False}
    )
    bank = account_id(api, "Checking")
    income = account_id(api, "Services")
    cases: list[tuple[str, str, str, int]] = [
        ("Customer", parent["Id"], parent["Id"], 400),  # into itself
        ("Customer", parent["Id"], "987654", 404),  # missing
        ("Customer", parent["Id"], kid["Id"], 400),  # into its own descendant
        ("Customer", parent["Id"], idle["Id"], 400),  # into an inactive customer
        ("Account", bank, income, 400),  # different AccountType
    ]
    for entity, from_id, into_id, expected in cases:
        status, data = await merge(api, entity, from_id, into_id)
        assert status == expected, (entity, from_id, into_id, data)
        assert data["error"]
    assert (await api.read("Customer", parent["Id"]))["SyncToken"] == "0"
    for body in (
        {"entity": "Class", "from": "1", "into": "2"},
        {"entity": "Customer", "from": parent["Id"]},
        {"entity": "Customer", "from": True, "into": "1"},
    ):
        response = await api.client.post(f"/_emulator/realms/{api.realm}/merge", json=body)
        assert response.status_code == 400, response.text
    response = await api.client.post(
        "/_emulator/realms/1/merge", json={"entity": "Customer", "from": "1", "into": "2"}
    )
    assert response.status_code == 404


async def test_balances_and_payments_follow_a_merge(local_api: Api) -> None:
    api = local_api
    item = await service_item(api)
    old = await api.create("Customer", {"DisplayName": "Owes Thirty"})
    new = await api.create("Customer", {"DisplayName": "Owes Forty"})
    moved = await api.create("Invoice", invoice_body(old["Id"], item, 30))
    await api.create("Invoice", invoice_body(new["Id"], item, 40))
    paid_part = {
        "CustomerRef": {"value": old["Id"]},
        "TotalAmt": 5,
        "Line": [{"Amount": 5, "LinkedTxn": [{"TxnId": moved["Id"], "TxnType": "Invoice"}]}],
    }
    payment = await api.create("Payment", paid_part)

    status, data = await merge(api, "Customer", old["Id"], new["Id"])

    assert status == 200, data
    assert data["Customer"]["Balance"] == 65
    assert (await api.read("Payment", payment["Id"]))["CustomerRef"]["value"] == new["Id"]
    rest = {
        "CustomerRef": {"value": new["Id"]},
        "TotalAmt": 25,
        "Line": [{"Amount": 25, "LinkedTxn": [{"TxnId": moved["Id"], "TxnType": "Invoice"}]}],
    }
    await api.create("Payment", rest)
    assert (await api.read("Invoice", moved["Id"]))["Balance"] == 0
    assert (await api.read("Customer", new["Id"]))["Balance"] == 40
