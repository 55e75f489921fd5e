"""Webhooks end to end: a real receiver on a loopback socket, the real OAuth connection."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from qbo.emulator import Emulator
from qbo.emulator.webhooks import verify, webhooks_for
from tests.delivery.conftest import (
    MakeEmulator,
    Receiver,
    client_for,
    connect,
    connect_realm,
    eventually,
    register_app,
)
from tests.delivery.world import Books

pytestmark = pytest.mark.anyio

FAST = {"webhook_window": 60.0, "webhook_retry_factor": 0.01, "webhook_timeout": 1.0}


def first_realm(emu: Emulator) -> str:
    return emu.realms.list()[0].realm_id


def entities(body: bytes) -> list[tuple[str, str, str]]:
    """(name, id, operation) of every entity in a legacy payload."""
    notifications = json.loads(body)["eventNotifications"]
    return [
        (e["name"], e["id"], e["operation"])
        for n in notifications
        for e in n["dataChangeEvent"]["entities"]
    ]


async def test_legacy_delivery_is_signed_and_reports_every_operation(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    async with client_for(emu) as client:
        app = await connect(client, realm, receiver.url, "legacy")
        books = Books(client, realm)
        customer = await books.customer()
        customer = await books.ok(
            "customer",
            {
                "Id": customer["Id"],
                "SyncToken": customer["SyncToken"],
                "sparse": True,
                "Notes": "VIP",
            },
        )
        invoice = await books.sales_form("Invoice", customer)
        sent = await client.post(books.path(f"invoice/{invoice['Id']}/send"))
        assert sent.status_code == 200, sent.text
        sent_doc = sent.json()["Invoice"]
        await books.ok(
            "invoice", {"Id": invoice["Id"], "SyncToken": sent_doc["SyncToken"]}, operation="void"
        )
        estimate = await books.sales_form("Estimate", customer)
        await books.ok(
            "estimate",
            {"Id": estimate["Id"], "SyncToken": estimate["SyncToken"]},
            operation="delete",
        )
        # Merges are written to the change log by the merge feature; the webhook reads the log.
        realm_obj = emu.realms.get(realm)
        assert realm_obj is not None
        with emu.realms.session(realm_obj, write=True) as s:
            s.record_change("Customer", customer["Id"], "Merge", deleted_id="99")

        report = await webhooks_for(emu).run_once(force=True)
        assert (report.queued, report.delivered) == (1, 1)

    (request,) = receiver.received
    assert request.headers["content-type"] == "application/json"
    assert verify(app.verifier_token, request.body, request.headers["intuit-signature"])
    body = json.loads(request.body)
    assert [n["realmId"] for n in body["eventNotifications"]] == [realm]
    cid, iid, eid = customer["Id"], invoice["Id"], estimate["Id"]
    item_creates = [e for e in entities(request.body) if e[0] == "Item"]
    assert len(item_creates) == 2
    assert [e for e in entities(request.body) if e[0] != "Item"] == [
        ("Customer", cid, "Create"),
        ("Customer", cid, "Update"),
        ("Invoice", iid, "Create"),
        ("Invoice", iid, "Update"),
        ("Invoice", iid, "Emailed"),
        ("Invoice", iid, "Void"),
        ("Estimate", eid, "Create"),
        ("Estimate", eid, "Delete"),
        ("Customer", cid, "Merge"),
    ]
    merge = body["eventNotifications"][0]["dataChangeEvent"]["entities"][-1]
    assert merge["deletedId"] == "99"
    assert all(
        e["lastUpdated"].endswith("Z")
        for e in body["eventNotifications"][0]["dataChangeEvent"]["entities"]
    )


async def test_cloudevents_delivery(make_emulator: MakeEmulator, receiver: Receiver) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    async with client_for(emu) as client:
        app = await connect(client, realm, receiver.url)  # cloudevents is the default
        customer = await Books(client, realm).customer()
        await webhooks_for(emu).run_once(force=True)
    (request,) = receiver.received
    assert request.headers["content-type"] == "application/cloudevents+json"
    assert verify(app.verifier_token, request.body, request.headers["intuit-signature"])
    (event,) = json.loads(request.body)
    assert event["specversion"] == "1.0"
    assert event["type"] == "qbo.customer.created.v1"
    assert event["intuitentityid"] == customer["Id"]
    assert event["intuitaccountid"] == realm
    assert event["datacontenttype"] == "application/json"
    assert event["data"] == {}
    assert event["id"] and event["source"].startswith("intuit.")


async def test_only_connected_companies_from_the_time_they_connect(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    other = emu.realms.create("empty").realm_id
    async with client_for(emu) as client:
        before = await Books(client, realm).customer("Before Connecting")
        app = await register_app(client, receiver.url, "legacy")
        await webhooks_for(emu).run_once(force=True)  # the app exists, nothing connected
        await connect_realm(client, app, realm)
        after = await Books(client, realm).customer("After Connecting")
        await Books(client, other).customer("Other Company")
        await webhooks_for(emu).run_once(force=True)
    (request,) = receiver.received
    assert entities(request.body) == [("Customer", after["Id"], "Create")]
    assert before["Id"] != after["Id"]


async def test_failed_deliveries_are_retried_on_the_scaled_schedule(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    receiver.answer(500, 503)
    dispatcher = webhooks_for(emu)
    now_ms = [dispatcher.wall()]
    dispatcher.wall = lambda: now_ms[0]  # the schedule is stepped through, not waited for
    async with client_for(emu) as client:
        app = await connect(client, realm, receiver.url)
        await Books(client, realm).customer()
        first = await dispatcher.run_once(force=True)
        assert (first.attempted, first.retrying) == (1, 1)
        # QBO's schedule is 10 s then 20 s; scaled by 0.01: 100 ms then 200 ms
        for wait_ms, received in ((100, 2), (200, 3)):
            now_ms[0] += wait_ms - 1
            assert (await dispatcher.run_once(force=True)).attempted == 0  # not due yet
            now_ms[0] += 1
            due = await dispatcher.run_once()
            assert due.attempted == 1 and len(receiver.received) == received
        log = (
            await client.get("/_emulator/webhooks/deliveries", params={"app": app.client_id})
        ).json()
        queue = (
            await client.get("/_emulator/webhooks/queue", params={"state": "delivered"})
        ).json()
    assert [a["status"] for a in reversed(log)] == [500, 503, 200]
    assert [a["attempt"] for a in reversed(log)] == [1, 2, 3]
    assert [a["ok"] for a in reversed(log)] == [False, False, True]
    assert {a["url"] for a in log} == {receiver.url}
    assert all(a["deliveryState"] == "delivered" for a in log)
    assert log[0]["payload"] == json.loads(receiver.received[0].body)
    assert len({r.body for r in receiver.received}) == 1  # the same bytes every time
    for r in receiver.received:
        assert verify(app.verifier_token, r.body, r.headers["intuit-signature"])
    (entry,) = queue
    assert entry["attempts"] == 3 and entry["state"] == "delivered"


async def test_timeouts_fail_and_deliveries_are_given_up_after_max_attempts(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**{**FAST, "webhook_timeout": 0.2, "webhook_max_attempts": 2})
    realm = first_realm(emu)
    receiver.answer((200, 1.0), 500)  # too slow, then an error
    dispatcher = webhooks_for(emu)
    async with client_for(emu) as client:
        await connect(client, realm, receiver.url)
        await Books(client, realm).customer()
        await dispatcher.run_once(force=True)

        async def settled() -> bool:
            await dispatcher.run_once()
            states = (await client.get("/_emulator/webhooks/queue")).json()
            return bool(states[0]["state"] == "failed")

        await eventually(settled)
        log = (await client.get("/_emulator/webhooks/deliveries")).json()
    timeout, error = reversed(log)
    assert timeout["status"] is None and "no answer within 0.2 s" in timeout["error"]
    assert error["status"] == 500 and error["deliveryState"] == "failed"
    assert len(log) == 2


async def test_background_dispatcher_batches_events_within_the_window(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(webhook_window=0.4, webhook_retry_factor=0.01)
    realm = first_realm(emu)
    dispatcher = webhooks_for(emu)
    async with client_for(emu) as client:
        await connect(client, realm, receiver.url, "legacy")
        dispatcher.start()
        try:
            books = Books(client, realm)
            for name in ("One", "Two", "Three"):
                await books.customer(name)

            async def arrived() -> bool:
                return len(receiver.received) >= 1

            await eventually(arrived)
        finally:
            dispatcher.stop()
    (request,) = receiver.received
    assert [e[2] for e in entities(request.body)] == ["Create"] * 3


async def test_pending_deliveries_and_unsent_events_survive_a_restart(
    make_emulator: MakeEmulator, idle_receiver: Receiver, tmp_path: Path
) -> None:
    db = str(tmp_path / "emulator.db")
    first = make_emulator(db=db, **FAST)
    realm = first_realm(first)
    async with client_for(first) as client:
        app = await connect(client, realm, idle_receiver.url, "legacy")
        books = Books(client, realm)
        one = await books.customer("Queued Before The Restart")
        report = await webhooks_for(first).run_once(force=True)
        assert (report.attempted, report.retrying) == (1, 1)  # nobody listening yet
        two = await books.customer("Changed Before The Restart")
    webhooks_for(first).stop()
    first.close()

    idle_receiver.start()
    second = make_emulator(db=db, **FAST)
    dispatcher = webhooks_for(second)

    async def both_arrived() -> bool:
        await dispatcher.run_once(force=True)
        return len(idle_receiver.received) == 2

    await eventually(both_arrived)
    got = sorted(entities(r.body)[0][1] for r in idle_receiver.received)
    assert got == sorted([one["Id"], two["Id"]])
    for r in idle_receiver.received:
        assert verify(app.verifier_token, r.body, r.headers["intuit-signature"])


async def test_postgres_gathers_under_the_change_log_lock(
    make_emulator: MakeEmulator, receiver: Receiver, pg_outbound_url: tuple[str, str]
) -> None:
    url, schema = pg_outbound_url
    emu = make_emulator(db=url, db_schema=schema, **FAST)
    realm = first_realm(emu)
    async with client_for(emu) as client:
        app = await connect(client, realm, receiver.url)
        customer = await Books(client, realm).customer()
        report = await webhooks_for(emu).run_once(force=True)
        again = await webhooks_for(emu).run_once(force=True)
    assert (report.queued, report.delivered) == (1, 1)
    assert again.queued == 0
    (request,) = receiver.received
    assert verify(app.verifier_token, request.body, request.headers["intuit-signature"])
    assert json.loads(request.body)[0]["intuitentityid"] == customer["Id"]


async def test_control_plane_flush_and_log_filtered_by_app(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    async with client_for(emu) as client:
        legacy = await connect(client, realm, receiver.url, "legacy")
        cloud = await connect(client, realm, receiver.url, "cloudevents")
        await Books(client, realm).customer()
        flushed = await client.post("/_emulator/webhooks/flush")
        assert flushed.status_code == 200
        assert flushed.json() == {
            "queued": 2,
            "attempted": 2,
            "delivered": 2,
            "retrying": 0,
            "failed": 0,
        }
        everything = (await client.get("/_emulator/webhooks/deliveries")).json()
        only_legacy = (
            await client.get("/_emulator/webhooks/deliveries", params={"app": legacy.client_id})
        ).json()
        bad_state = await client.get("/_emulator/webhooks/queue", params={"state": "lost"})
        bad_limit = await client.get("/_emulator/webhooks/deliveries", params={"limit": "0"})
    assert {a["app"] for a in everything} == {legacy.client_id, cloud.client_id}
    (entry,) = only_legacy
    assert entry["app"] == legacy.client_id and entry["format"] == "legacy"
    assert entry["status"] == 200 and entry["time"].endswith("+00:00")
    assert "eventNotifications" in entry["payload"]
    assert bad_state.status_code == 400 and bad_limit.status_code == 400
    text = json.dumps(everything)
    assert legacy.verifier_token not in text and cloud.verifier_token not in text
    tokens = {r.headers["intuit-signature"] for r in receiver.received}
    assert len(tokens) == 2


async def test_the_delivery_log_answers_loopback_callers_only(make_emulator: MakeEmulator) -> None:
    emu = make_emulator(**FAST)
    from qbo.emulator import create_app

    transport = httpx.ASGITransport(app=create_app(emu), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as client:
        response = await client.get("/_emulator/webhooks/deliveries")
    assert response.status_code == 403


async def test_changes_after_a_realm_reset_are_still_sent(
    make_emulator: MakeEmulator, receiver: Receiver
) -> None:
    emu = make_emulator(**FAST)
    realm = first_realm(emu)
    async with client_for(emu) as client:
        await connect(client, realm, receiver.url, "legacy")
        books = Books(client, realm)
        await books.customer("Before The Reset")
        await webhooks_for(emu).run_once(force=True)
        # A reset deletes the realm's change log: new changes must not reuse its seqs.
        assert (await client.post(f"/_emulator/realms/{realm}/reset")).status_code == 200
        after = await books.customer("After The Reset")
        await webhooks_for(emu).run_once(force=True)
    assert len(receiver.received) == 2
    assert ("Customer", after["Id"], "Create") in entities(receiver.received[1].body)
