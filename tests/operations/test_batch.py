"""POST /batch: 30 mixed items, independent failures that change nothing, limits, replay."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.emulators import decode, invoice_body, service_item

pytestmark = pytest.mark.anyio


def change_count(api: Api) -> int:
    changes = api.emulator.store.tables.changes
    with api.emulator.store.read() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(changes).where(changes.c.realm_id == api.realm)
            ).scalar_one()
        )


async def batch(api: Api, items: list[dict[str, Any]], **params: str) -> Any:
    response = await api.post("batch", {"BatchItemRequest": items}, **params)
    return response.status_code, decode(response)


async def test_thirty_mixed_items_fail_independently_and_failures_change_nothing(
    api: Api,
) -> None:
    item = await service_item(api)
    customer = await api.create("Customer", {"DisplayName": "Acme"})
    other = await api.create("Customer", {"DisplayName": "Globex"})
    to_update = await api.create("Invoice", invoice_body(customer["Id"], item, 100))
    to_delete = await api.create("Invoice", invoice_body(customer["Id"], item, 200))
    to_void = await api.create("Invoice", invoice_body(customer["Id"], item, 300))
    assert to_void["DocNumber"] == "1003"
    changes_before = change_count(api)

    bad_amount = invoice_body(customer["Id"], item, 50)
    bad_amount["Line"][0]["Amount"] = (
        51  # Qty x UnitPrice != Amount: 6070, after a DocNumber was drawn
    )
    items: list[dict[str, Any]] = [
        {"bId": "bad-amount", "operation": "create", "Invoice": bad_amount},
        {
            "bId": "inv-new",
            "operation": "create",
            "Invoice": invoice_body(customer["Id"], item, 75),
        },
        {"bId": "dup-name", "operation": "create", "Customer": {"DisplayName": "Acme"}},
        {"bId": "bad-prop", "operation": "create", "Customer": {"DisplayName": "X", "Nope": 1}},
        {"bId": "bad-ref", "operation": "create", "Invoice": invoice_body("999999", item)},
        {
            "bId": "sparse",
            "operation": "update",
            "Customer": {"Id": other["Id"], "SyncToken": "0", "sparse": True, "CompanyName": "G"},
        },
        {
            "bId": "stale",
            "operation": "update",
            "Customer": {"Id": customer["Id"], "SyncToken": "7", "sparse": True, "Notes": "x"},
        },
        {
            "bId": "full",
            "operation": "update",
            "Invoice": {
                **invoice_body(customer["Id"], item, 110),
                "Id": to_update["Id"],
                "SyncToken": to_update["SyncToken"],
            },
        },
        {
            "bId": "delete",
            "operation": "delete",
            "Invoice": {"Id": to_delete["Id"], "SyncToken": to_delete["SyncToken"]},
        },
        {"bId": "del-miss", "operation": "delete", "Invoice": {"Id": "424242", "SyncToken": "0"}},
        {
            "bId": "void",
            "operation": "update",
            "optionsData": "void",
            "Invoice": {"Id": to_void["Id"], "SyncToken": to_void["SyncToken"], "sparse": True},
        },
        {"bId": "q-seen", "Query": "select * from Customer where DisplayName = 'Batch 3'"},
        {"bId": "q-bad", "Query": "select * from Customer where"},
        {"bId": "bad-op", "operation": "merge", "Customer": {"DisplayName": "Y"}},
    ]
    creates = [
        {"bId": f"c{i}", "operation": "create", "Customer": {"DisplayName": f"Batch {i}"}}
        for i in range(15)
    ]
    items[11:11] = creates[:5]  # some creates before the query that must see "Batch 3"
    items.extend(creates[5:])
    items.append({"bId": "dup-in", "operation": "create", "Customer": {"DisplayName": "Batch 0"}})
    assert len(items) == 30

    status, data = await batch(api, items)

    assert status == 200
    assert set(data) == {"BatchItemResponse", "time"}
    results = {r["bId"]: r for r in data["BatchItemResponse"]}
    assert [r["bId"] for r in data["BatchItemResponse"]] == [i["bId"] for i in items]
    expected_faults = {
        "bad-amount": "6070",
        "dup-name": "6240",
        "bad-prop": "2010",
        "bad-ref": "2500",
        "stale": "5010",
        "del-miss": "610",
        "q-bad": "4000",
        "bad-op": "500",
        "dup-in": "6240",
    }
    for bid, code in expected_faults.items():
        result = results[bid]
        assert set(result) == {"bId", "Fault"}, result
        assert result["Fault"]["type"] == "ValidationFault"
        assert result["Fault"]["Error"][0]["code"] == code, result
    for i in range(15):
        assert results[f"c{i}"]["Customer"]["DisplayName"] == f"Batch {i}"
    # The failed invoice drew an Id and a DocNumber inside its savepoint: both rolled back.
    new_invoice = results["inv-new"]["Invoice"]
    assert new_invoice["DocNumber"] == "1004"
    assert int(new_invoice["Id"]) == int(to_void["Id"]) + 1
    assert results["sparse"]["Customer"]["CompanyName"] == "G"
    assert results["sparse"]["Customer"]["SyncToken"] == "1"
    assert results["full"]["Invoice"]["TotalAmt"] == 110
    assert results["delete"]["Invoice"] == {
        "domain": "QBO",
        "status": "Deleted",
        "Id": to_delete["Id"],
    }
    voided = results["void"]["Invoice"]
    assert voided["TotalAmt"] == 0 and "Voided" in voided["PrivateNote"]
    seen = results["q-seen"]["QueryResponse"]["Customer"]
    assert [c["DisplayName"] for c in seen] == ["Batch 3"]

    # Exactly the successful writes were logged: 15 + 1 creates, 3 updates/voids, 1 delete.
    assert change_count(api) == changes_before + 20
    query = await api.ok("GET", "query", query="select count(*) from Customer")
    assert query["QueryResponse"]["totalCount"] == 2 + 15
    assert (await api.read("Customer", customer["Id"]))["SyncToken"] == "0"


async def test_more_than_thirty_items_is_fault_1040_and_nothing_runs(api: Api) -> None:
    items = [
        {"bId": str(i), "operation": "create", "Customer": {"DisplayName": f"Over {i}"}}
        for i in range(31)
    ]
    before = change_count(api)
    response = await api.post("batch", {"BatchItemRequest": items})
    error = await api.fault(response, 400)
    assert error["code"] == "1040"
    assert error["Message"] == "batch size exceeds allowed limit"
    assert change_count(api) == before


async def test_requestid_replays_the_whole_batch(api: Api) -> None:
    items = [
        {"bId": "a", "operation": "create", "Customer": {"DisplayName": "Replay A"}},
        {"bId": "b", "operation": "create", "Customer": {"DisplayName": "Replay A"}},
    ]
    request_id = "7f4c3e0a-1b2c-4d5e-8f90-123456789abc"  # 36 characters
    first = await api.post("batch", {"BatchItemRequest": items}, requestid=request_id)
    again = await api.post("batch", {"BatchItemRequest": items}, requestid=request_id)
    assert first.status_code == again.status_code == 200
    assert decode(first) == decode(again)
    results = decode(first)["BatchItemResponse"]
    assert "Customer" in results[0] and results[1]["Fault"]["Error"][0]["code"] == "6240"
    count = await api.ok("GET", "query", query="select count(*) from Customer")
    assert count["QueryResponse"]["totalCount"] == 1

    too_long = await api.post("batch", {"BatchItemRequest": items}, requestid="x" * 37)
    error = await api.fault(too_long, 400)
    assert error["element"] == "requestid"


@pytest.mark.parametrize(
    ("items", "code", "element"),
    [
        ([{"bId": "x" * 41, "Query": "select * from Customer"}], "2050", "bId"),
        (
            [
                {"bId": "same", "Query": "select * from Customer"},
                {"bId": "same", "Query": "select * from Vendor"},
            ],
            "6000",
            "bId",
        ),
        ([{"Query": "select * from Customer"}], "2020", "bId"),
    ],
)
async def test_items_that_cannot_be_told_apart_refuse_the_whole_batch(
    local_api: Api, items: list[dict[str, Any]], code: str, element: str
) -> None:
    response = await local_api.post("batch", {"BatchItemRequest": items})
    error = await local_api.fault(response, 400)
    assert (error["code"], error["element"]) == (code, element)


async def test_malformed_bodies_are_2010(local_api: Api) -> None:
    bodies: list[Any] = [{}, {"BatchItemRequest": {}}, {"BatchItemRequest": [], "Extra": 1}, [1]]
    for body in bodies:
        response = await local_api.post("batch", body)
        assert (await local_api.fault(response, 400))["code"] == "2010", body
    empty = await local_api.ok("POST", "batch", {"BatchItemRequest": []})
    assert empty["BatchItemResponse"] == []


async def test_item_shapes(local_api: Api) -> None:
    items = [
        {"bId": "two", "Query": "select * from Item", "Customer": {"DisplayName": "Z"}},
        {"bId": "none"},
        {"bId": "unknown", "operation": "create", "Widget": {}},
        {"bId": "report", "ReportQuery": "ProfitAndLoss"},
        {"bId": "q-op", "operation": "create", "Query": "select * from Item"},
        {"bId": "noop", "Customer": {"DisplayName": "No Operation"}},
    ]
    data = await local_api.ok("POST", "batch", {"BatchItemRequest": items})
    codes = {
        r["bId"]: r["Fault"]["Error"][0]["code"] if "Fault" in r else None
        for r in data["BatchItemResponse"]
    }
    assert codes == {
        "two": "2010",
        "none": "2010",
        "unknown": "2010",
        "report": "500",
        "q-op": "2010",
        "noop": None,  # no operation: like POST /customer, a create
    }


async def test_a_batch_of_queries_is_sent_in_parts_and_not_logged(api: Api) -> None:
    """A batch that only reads goes out item by item (the same bytes as one string) and
    is not kept under its requestid: sent again, it answers what is there now."""
    for name in ("Parts A", "Parts B"):
        await api.create("Customer", {"DisplayName": name})
    items = [
        {"bId": "q", "Query": "select * from Customer where DisplayName LIKE 'Parts%'"},
        {"bId": "c", "CDCQuery": {"ChangedSince": "2020-01-01T00:00:00Z", "Entities": "Customer"}},
    ]
    request_id = "parts-batch-1"
    first = await api.post("batch", {"BatchItemRequest": items}, requestid=request_id)
    assert first.status_code == 200
    assert first.headers["content-length"] == str(len(first.content))
    answer = decode(first)
    names = [c["DisplayName"] for c in answer["BatchItemResponse"][0]["QueryResponse"]["Customer"]]
    assert names == ["Parts A", "Parts B"]
    # The parts join to exactly what encoding the whole answer at once writes.
    assert first.text == jsoncodec.dumps(answer)
    t = api.emulator.store.tables.request_log
    with api.emulator.store.read() as conn:
        logged = conn.execute(
            select(func.count()).where(t.c.realm_id == api.realm, t.c.request_id == request_id)
        ).scalar_one()
    assert logged == 0
    await api.create("Customer", {"DisplayName": "Parts C"})
    again = decode(await api.post("batch", {"BatchItemRequest": items}, requestid=request_id))
    found = again["BatchItemResponse"][0]["QueryResponse"]["Customer"]
    assert [c["DisplayName"] for c in found] == ["Parts A", "Parts B", "Parts C"]
    # A batch that writes is still kept and replayed as first answered.
    writes = [{"bId": "w", "operation": "create", "Customer": {"DisplayName": "Parts W"}}]
    kept = await api.post("batch", {"BatchItemRequest": writes}, requestid="parts-batch-2")
    replayed = await api.post("batch", {"BatchItemRequest": writes}, requestid="parts-batch-2")
    assert decode(kept) == decode(replayed)
    with api.emulator.store.read() as conn:
        logged = conn.execute(
            select(func.count()).where(t.c.realm_id == api.realm, t.c.request_id == "parts-batch-2")
        ).scalar_one()
    assert logged == 1


def test_envelope_parts_hold_the_answer_once() -> None:
    """Encoding item by item never holds the answer as objects, a string and bytes at once."""
    import tracemalloc
    from datetime import UTC, datetime

    from simplejson import RawJSON

    from qbo.emulator.http.responses import envelope, envelope_parts

    row = jsoncodec.dumps(
        {"Id": "1", "DisplayName": "x" * 900, "Balance": jsoncodec.Decimal("1.50")}
    )
    now = datetime(2026, 1, 2, tzinfo=UTC)

    def answer() -> list[object]:  # each row its own text, as read from the database
        return [
            {"bId": str(i), "QueryResponse": {"Customer": [RawJSON(row.replace('"1"', f'"{i}"'))]}}
            for i in range(2000)
        ]

    whole = jsoncodec.dumps(envelope("BatchItemResponse", answer(), now, "UTC")).encode()
    items = answer()
    tracemalloc.start()
    parts = envelope_parts("BatchItemResponse", items, now, "UTC")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert b"".join(parts) == whole
    assert all(item is None for item in items)
    assert peak < 1.5 * len(whole)
