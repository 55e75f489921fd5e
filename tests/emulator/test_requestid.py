"""``requestid`` idempotency: replay, conflicts, limits, scope."""

from __future__ import annotations

import asyncio

import pytest

from tests.conftest import Api
from tests.emulator.bodies import World
from tests.emulator.helpers import body, count, fault_of, snapshot

pytestmark = pytest.mark.anyio


async def test_same_id_same_body_replays_without_applying_twice(api: Api) -> None:
    before = count(api, "Customer")
    first = await api.post("customer", {"DisplayName": "Once Only"}, requestid="rid-create-1")
    assert first.status_code == 200, first.text
    state = snapshot(api)
    second = await api.post("customer", {"DisplayName": "Once Only"}, requestid="rid-create-1")
    assert second.status_code == 200
    assert body(second) == body(first)  # the first response, ``time`` included
    assert second.headers["intuit_tid"] != first.headers["intuit_tid"]
    assert count(api, "Customer") == before + 1
    assert snapshot(api) == state


async def test_replayed_update_and_delete(db_api: Api) -> None:
    api = db_api
    world = await World.load(api)
    invoice = await api.create(
        "Invoice", {"CustomerRef": await world.customer(), "Line": [await world.sales_line()]}
    )
    update = {"Id": invoice["Id"], "SyncToken": "0", "sparse": True, "PrivateNote": "once"}
    first = await api.post("invoice", update, requestid="rid-update")
    again = await api.post("invoice", update, requestid="rid-update")
    assert first.status_code == again.status_code == 200
    assert body(again) == body(first)
    assert (await api.read("Invoice", invoice["Id"]))["SyncToken"] == "1"  # not a stale 5010
    delete = {"Id": invoice["Id"], "SyncToken": "1"}
    gone = await api.post("invoice", delete, operation="delete", requestid="rid-delete")
    gone_again = await api.post("invoice", delete, operation="delete", requestid="rid-delete")
    assert gone.status_code == gone_again.status_code == 200  # not a 610
    assert body(gone_again) == body(gone)


async def test_faults_are_replayed_too(api: Api) -> None:
    customer = await api.create("Customer", {"DisplayName": "Stale Replay"})
    stale = {"Id": customer["Id"], "SyncToken": "3", "sparse": True, "Notes": "late"}
    first = await api.post("customer", stale, requestid="rid-fault")
    assert fault_of(first)["code"] == "5010"
    # even once the token would be right, the same request id answers the first result
    for step in range(3):
        await api.ok(
            "POST",
            "customer",
            {"Id": customer["Id"], "SyncToken": str(step), "sparse": True, "Notes": str(step)},
        )
    state = snapshot(api)
    again = await api.post("customer", stale, requestid="rid-fault")
    assert again.status_code == 400
    assert body(again) == body(first)
    assert snapshot(api) == state


async def test_same_id_other_body_is_fault_600(api: Api) -> None:
    first = await api.post("customer", {"DisplayName": "First Body"}, requestid="rid-conflict")
    assert first.status_code == 200
    state = snapshot(api)
    for params in ({}, {"operation": "delete"}):
        other = await api.post(
            "customer", {"DisplayName": "Second Body"}, requestid="rid-conflict", **params
        )
        error = fault_of(other)
        assert error["code"] == "600" and error["Message"] == "RequestId already exists"
    other_path = await api.post("vendor", {"DisplayName": "First Body"}, requestid="rid-conflict")
    assert fault_of(other_path)["code"] == "600"
    assert snapshot(api) == state
    # the original request still replays
    assert body(
        await api.post("customer", {"DisplayName": "First Body"}, requestid="rid-conflict")
    ) == body(first)


async def test_request_id_length(db_api: Api) -> None:
    api = db_api
    longest = "r" * 50
    ok = await api.post("customer", {"DisplayName": "Fifty"}, requestid=longest)
    assert ok.status_code == 200, ok.text
    state = snapshot(api)
    too_long = await api.post("customer", {"DisplayName": "Fifty-one"}, requestid="r" * 51)
    error = fault_of(too_long)
    assert error["code"] in ("6000", "2010") and "requestid" in error["Detail"]
    assert snapshot(api) == state


async def test_same_id_in_another_realm_is_independent(db_api: Api) -> None:
    api = db_api
    response = await api.client.post("/_emulator/realms", json={"seed": "empty"})
    other = Api(api.client, api.emulator, response.json()["realmId"])
    mine = await api.post("customer", {"DisplayName": "Shared Rid"}, requestid="rid-shared")
    theirs = await other.post("customer", {"DisplayName": "Shared Rid"}, requestid="rid-shared")
    assert mine.status_code == theirs.status_code == 200
    assert count(api, "Customer") == 1 and count(other, "Customer") == 1
    different = await other.post("customer", {"DisplayName": "Only There"}, requestid="rid-other")
    assert different.status_code == 200
    mine_again = await api.post("customer", {"DisplayName": "Only Here"}, requestid="rid-other")
    assert mine_again.status_code == 200


async def test_without_request_id_a_retry_duplicates(local: Api) -> None:
    """The behaviour requestid exists to prevent: two identical payments are two payments."""
    world = await World.load(local)
    payment = {"CustomerRef": await world.customer(), "TotalAmt": 10}
    await local.create("Payment", payment)
    await local.create("Payment", payment)
    assert count(local, "Payment") == 2


async def test_request_id_on_a_read_is_ignored(local: Api) -> None:
    customer = await local.create("Customer", {"DisplayName": "Read Rid"})
    first = await local.get(f"customer/{customer['Id']}", requestid="rid-read")
    second = await local.get("customer/999", requestid="rid-read")
    assert first.status_code == 200
    assert fault_of(second)["code"] == "610"


async def test_racing_bodies_under_one_id_never_answer_500(db_api: Api) -> None:
    """An invalid and a valid body raced under one id: each answers a QBO fault or a 200.

    The invalid request's write rolls back, and the valid one may log its answer before
    the invalid one comes back to log its fault: that request then gets fault 600.
    """
    api = db_api
    rounds = 50  # 100 concurrent requests in all
    sent = [
        (
            api.post("customer", {"DisplayName": ""}, requestid=f"race-{n}"),
            api.post("customer", {"DisplayName": f"Racer {n}"}, requestid=f"race-{n}"),
        )
        for n in range(rounds)
    ]
    answers = await asyncio.gather(*(request for pair in sent for request in pair))
    assert [r.status_code for r in answers if r.status_code >= 500] == []
    for n in range(rounds):
        invalid, valid = answers[2 * n], answers[2 * n + 1]
        assert fault_of(invalid)["code"] != "600" or valid.status_code == 200
        if valid.status_code != 200:
            assert fault_of(valid)["code"] == "600"  # the invalid body logged its fault first
    created = sum(1 for n in range(rounds) if answers[2 * n + 1].status_code == 200)
    assert count(api, "Customer") == created
