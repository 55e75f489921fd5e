"""GET /cdc: latest states and tombstones, the 1000-object cap and continuing past it,
the 30-day look-back, changedSince with and without offsets, excluded entities."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from qbo.emulator.domain import crud
from qbo.emulator.store.session import Session
from qbo.schema import catalogue
from tests.conftest import Api
from tests.emulators import MakePrivate, decode, in_process, invoice_body, service_item

pytestmark = pytest.mark.anyio

META_FORMAT = "%Y-%m-%dT%H:%M:%S%z"


def entity_lists(data: dict[str, Any]) -> list[dict[str, Any]]:
    assert set(data) == {"CDCResponse", "time"}, data
    (response,) = data["CDCResponse"]
    assert set(response) == {"QueryResponse"}
    lists: list[dict[str, Any]] = response["QueryResponse"]
    return lists


async def test_latest_states_and_tombstones(api: Api) -> None:
    since = (api.emulator.clock.now() - timedelta(minutes=5)).isoformat()
    item = await service_item(api)
    customer = await api.create("Customer", {"DisplayName": "Changed Co"})
    kept = await api.create("Invoice", invoice_body(customer["Id"], item))
    gone = await api.create("Invoice", invoice_body(customer["Id"], item))
    await api.ok(
        "POST",
        "customer",
        {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "Changed"},
    )
    deleted = await api.ok(
        "POST", "invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete"
    )
    assert deleted["Invoice"]["status"] == "Deleted"

    data = await api.ok("GET", "cdc", entities="Customer,Invoice,Vendor", changedSince=since)

    customers, invoices, vendors = entity_lists(data)
    assert vendors == {}
    assert customers["startPosition"] == 1 and customers["maxResults"] == 1
    (latest,) = customers["Customer"]
    assert latest == await api.read("Customer", customer["Id"])
    assert latest["SyncToken"] == "1" and latest["CompanyName"] == "Changed"
    assert invoices["maxResults"] == 2
    first, tombstone = invoices["Invoice"]
    assert first == await api.read("Invoice", kept["Id"])
    assert set(tombstone) == {"domain", "status", "Id", "MetaData"}
    assert tombstone["domain"] == "QBO" and tombstone["status"] == "Deleted"
    assert tombstone["Id"] == gone["Id"]
    stamp = datetime.strptime(tombstone["MetaData"]["LastUpdatedTime"], META_FORMAT)
    assert stamp >= datetime.strptime(gone["MetaData"]["LastUpdatedTime"], META_FORMAT)
    # The same through a batch item, whose CDCResponse is one object.
    batch = await api.ok(
        "POST",
        "batch",
        {
            "BatchItemRequest": [
                {"bId": "cdc", "CDCQuery": {"Entities": "Invoice", "ChangedSince": since}}
            ]
        },
    )
    (item_result,) = batch["BatchItemResponse"]
    assert item_result["CDCResponse"] == {"QueryResponse": [invoices]}


async def test_excluded_unknown_and_missing(local_api: Api) -> None:
    since = local_api.emulator.clock.now().isoformat()
    excluded = [e.name for e in catalogue().entities.values() if not e.cdc]
    assert {"JournalCode", "TaxAgency", "TimeActivity", "TaxCode", "TaxRate"} <= set(excluded)
    for name in excluded:
        response = await local_api.get("cdc", entities=f"Customer,{name}", changedSince=since)
        error = await local_api.fault(response, 400)
        assert error["code"] == "500", (name, error)
    cases = [
        ({"entities": "Customer,Widget", "changedSince": since}, "2010"),
        ({"changedSince": since}, "2020"),
        ({"entities": " , ", "changedSince": since}, "2020"),
        ({"entities": "Customer"}, "2020"),
        ({"entities": "Customer", "changedSince": "yesterday"}, "2010"),
    ]
    for params, code in cases:
        error = await local_api.fault(await local_api.get("cdc", **params), 400)
        assert error["code"] == code, (params, error)


async def test_lookback_and_offsets(private: MakePrivate) -> None:
    emu = private()
    emu.emulator.clock.set(datetime(2026, 3, 10, 12, 0, tzinfo=UTC))  # 05:00 in Los Angeles (PDT)
    async with in_process(emu.app) as client:
        api = emu.api(client)
        await api.create("Customer", {"DisplayName": "At Noon UTC"})
        emu.emulator.clock.advance(3600)
        late = await api.create("Customer", {"DisplayName": "At One UTC"})

        async def names(changed_since: str) -> list[str]:
            data = await api.ok("GET", "cdc", entities="customer", changedSince=changed_since)
            (found,) = entity_lists(data)
            return [c["DisplayName"] for c in found.get("Customer", [])]

        both = ["At Noon UTC", "At One UTC"]
        assert await names("2026-03-10") == both  # midnight in the company's zone
        assert await names("2026-03-10T12:00:00Z") == both  # inclusive
        assert await names("2026-03-10T12:30:00Z") == ["At One UTC"]
        assert await names("2026-03-10T11:30:00-01:00") == ["At One UTC"]
        assert await names("2026-03-10T12:30:00 00:00") == ["At One UTC"]  # unencoded "+"
        assert await names("2026-03-10T05:30:00") == ["At One UTC"]  # company time, PDT
        assert await names("2026-03-10T12:30:00") == []  # 12:30 in Los Angeles is 19:30Z
        assert late["MetaData"]["LastUpdatedTime"] == "2026-03-10T06:00:00-07:00"

        emu.emulator.clock.set(datetime(2026, 4, 9, 11, 59, 59, tzinfo=UTC))  # 30 days - 1 s
        assert await names("2026-03-10T12:00:00Z") == both
        error = await api.fault(
            await api.get("cdc", entities="Customer", changedSince="2026-03-10T11:59:58Z"), 400
        )
        assert error["code"] == "6000" and error["element"] == "changedSince"
        assert "older than 30 days" in error["Detail"]


@pytest.mark.slow
async def test_cap_of_1000_and_continuing_from_the_last_time_seen(local_api: Api) -> None:
    """1,050 customers changed at 2.5 per second; paging by LastUpdatedTime gets all."""
    api = local_api
    realm = api.emulator.realms.get(api.realm)
    assert realm is not None
    customer = catalogue().entity("Customer")
    base = api.emulator.clock.now().replace(microsecond=0) - timedelta(hours=3)
    with api.emulator.store.write(api.realm) as conn:
        for i in range(1050):
            s = Session(api.emulator.store, conn, realm, base + timedelta(seconds=i * 0.4))
            crud.create(s, customer, {"DisplayName": f"Cap {i:04d}"})
        # The first ten change again later: their last change moves past the cap.
        later = Session(api.emulator.store, conn, realm, base + timedelta(seconds=450))
        for doc in later.all("Customer")[:10]:
            body = {"Id": doc["Id"], "SyncToken": "0", "sparse": True, "Notes": "again"}
            crud.update(later, customer, body, sparse=True)

    pages: list[list[dict[str, Any]]] = []
    since = (base - timedelta(seconds=1)).isoformat()
    seen: dict[str, dict[str, Any]] = {}
    while True:
        response = await api.get("cdc", entities="Customer", changedSince=since)
        assert response.status_code == 200, response.text
        (found,) = entity_lists(decode(response))
        page = found.get("Customer", [])
        assert len(page) <= 1000
        pages.append(page)
        new = [c for c in page if c["Id"] not in seen]
        seen.update((c["Id"], c) for c in page)
        if len(page) < 1000 or not new:
            break
        since = max(c["MetaData"]["LastUpdatedTime"] for c in page)
        assert len(pages) < 5

    assert len(pages[0]) == 1000
    times = [datetime.strptime(c["MetaData"]["LastUpdatedTime"], META_FORMAT) for c in pages[0]]
    assert times == sorted(times)
    # The first page holds the 1000 changed longest ago: the re-changed 0..9 (last change
    # at +450 s, after every create) are not among them.
    assert {c["DisplayName"] for c in pages[0]} == {f"Cap {i:04d}" for i in range(10, 1010)}
    assert len(seen) == 1050
    assert {c["DisplayName"] for c in seen.values()} == {f"Cap {i:04d}" for i in range(1050)}
    again = {c["DisplayName"] for c in seen.values() if c.get("Notes") == "again"}
    assert again == {f"Cap {i:04d}" for i in range(10)}
    assert all(c["SyncToken"] == "1" for c in seen.values() if c["DisplayName"] in again)
