"""Webhooks: the signature (the guide's test vector), both payload formats, the ASGI
receiver over a real socket, and a real delivery from the emulator."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from qbo.client._static_auth import BearerAuth
from qbo.client.auth import AsyncOAuthClient, ClientCredentials
from qbo.client.environment import emulator as emulator_environment
from qbo.client.webhooks import (
    Operation,
    WebhookEvent,
    WebhookPayloadError,
    WebhookReceiver,
    parse_events,
    sign,
    verify_signature,
)
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.testing import loopback_socket

pytestmark = pytest.mark.anyio

# The guide's test vector.
VECTOR_TOKEN = "00faeec4-08d0-4996-bb37-698ae19f0149"
VECTOR_BODY = (
    b'{"eventNotifications":[{"realmId":"1269959970","dataChangeEvent":{"entities":['
    b'{"name":"Vendor","id":"40","operation":"Update","lastUpdated":"2016-10-05T03:09:04.000Z"},'
    b'{"name":"Customer","id":"43","operation":"Create","lastUpdated":"2016-10-05T03:07:04.000Z"}'
    b"]}}]}"
)
VECTOR_SIGNATURE = "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWM="


def cloudevent(kind: str, entity_id: str, **extra: Any) -> dict[str, Any]:
    return {
        "specversion": "1.0",
        "id": f"evt-{kind}-{entity_id}",
        "source": "intuit.abc",
        "type": kind,
        "datacontenttype": "application/json",
        "time": "2026-02-10T17:02:11.000Z",
        "intuitentityid": entity_id,
        "intuitaccountid": "9341453000000001",
        "data": {},
        **extra,
    }


# -- signature -------------------------------------------------------------------------------


def test_the_guide_vector_verifies() -> None:
    assert sign(VECTOR_BODY, VECTOR_TOKEN) == VECTOR_SIGNATURE
    assert verify_signature(VECTOR_BODY, VECTOR_SIGNATURE, VECTOR_TOKEN)
    assert verify_signature(VECTOR_BODY, f" {VECTOR_SIGNATURE}\n", VECTOR_TOKEN)


@pytest.mark.parametrize(
    ("body", "header", "token"),
    [
        (VECTOR_BODY + b" ", VECTOR_SIGNATURE, VECTOR_TOKEN),  # the body changed
        (VECTOR_BODY, VECTOR_SIGNATURE, "00faeec4-08d0-4996-bb37-698ae19f0148"),  # other token
        (VECTOR_BODY, VECTOR_SIGNATURE.lower(), VECTOR_TOKEN),
        (VECTOR_BODY, None, VECTOR_TOKEN),
        (VECTOR_BODY, "", VECTOR_TOKEN),
        (VECTOR_BODY, "6q+xGyMirJupwKTh2/WBl2NcdxzxqdIbk3sneKTxLWMé", VECTOR_TOKEN),
        (VECTOR_BODY, VECTOR_SIGNATURE, ""),
    ],
)
def test_anything_else_does_not(body: bytes, header: str | None, token: str) -> None:
    assert not verify_signature(body, header, token)


# -- payloads --------------------------------------------------------------------------------


def test_legacy_payload() -> None:
    vendor, customer = parse_events(VECTOR_BODY)
    assert (vendor.realm_id, vendor.entity, vendor.entity_id, vendor.operation) == (
        "1269959970",
        "Vendor",
        "40",
        Operation.UPDATE,
    )
    assert vendor.operation == "Update"
    assert vendor.occurred_at == datetime(2016, 10, 5, 3, 9, 4, tzinfo=UTC)
    assert customer.operation == Operation.CREATE and customer.deleted_id is None
    # Legacy events carry no id: a stable one is derived, the same on every redelivery.
    assert vendor.event_id != customer.event_id
    assert [e.event_id for e in parse_events(VECTOR_BODY)] == [vendor.event_id, customer.event_id]
    merged = parse_events(
        {
            "eventNotifications": [
                {
                    "realmId": "1",
                    "dataChangeEvent": {
                        "entities": [
                            {
                                "name": "Customer",
                                "id": "7",
                                "operation": "Merge",
                                "lastUpdated": "2026-01-01T00:00:00.000Z",
                                "deletedId": "8",
                            }
                        ]
                    },
                }
            ]
        }
    )
    assert [(e.operation, e.deleted_id) for e in merged] == [(Operation.MERGE, "8")]


def test_cloudevents_payload() -> None:
    body = json.dumps(
        [
            cloudevent("qbo.invoice.created.v1", "130"),
            cloudevent("qbo.customer.merged.v1", "7", data={"deletedId": "8"}),
            cloudevent("qbo.journalentry.voided.v1", "12"),
            cloudevent("qbo.creditcardpayment.deleted.v1", "3"),
            cloudevent("qbo.invoice.emailed.v1", "130"),
            cloudevent("qbo.currency.updated.v1", "EUR"),
            cloudevent("qbo.invoice.archived.v2", "130"),  # a verb added later: kept as sent
        ]
    ).encode()
    events = parse_events(body)
    assert [(e.entity, e.entity_id, e.operation) for e in events] == [
        ("Invoice", "130", Operation.CREATE),
        ("Customer", "7", Operation.MERGE),
        ("JournalEntry", "12", Operation.VOID),
        ("CreditCardPaymentTxn", "3", Operation.DELETE),
        ("Invoice", "130", Operation.EMAILED),
        ("Currency", "EUR", Operation.UPDATE),
        ("Invoice", "130", "archived"),
    ]
    assert events[1].deleted_id == "8"
    assert events[0].event_id == "evt-qbo.invoice.created.v1-130"
    assert events[0].realm_id == "9341453000000001"
    assert events[0].occurred_at == datetime(2026, 2, 10, 17, 2, 11, tzinfo=UTC)
    assert events[0].raw["source"] == "intuit.abc"
    single = parse_events(json.dumps(cloudevent("qbo.bill.updated.v1", "5")))
    assert [(e.entity, e.operation) for e in single] == [("Bill", Operation.UPDATE)]


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[" * 100_000 + b"]" * 100_000,  # deeper than the parser recurses
        b"{}",
        b"42",
        b'{"eventNotifications": {}}',
        b'{"eventNotifications": [{"dataChangeEvent": {"entities": []}}]}',
        json.dumps([cloudevent("invoice.created", "1")]).encode(),
        json.dumps([cloudevent("qbo.invoice.deleted.v1", "1\u0000")]).encode(),
        json.dumps(
            [cloudevent("qbo.customer.merged.v1", "7", data={"deletedId": "8\x00"})]
        ).encode(),
        json.dumps(
            [cloudevent("qbo.customer.merged.v1", "7", data={"deletedId": {"a": 1}})]
        ).encode(),
        json.dumps(
            [{**cloudevent("qbo.invoice.created.v1", "1"), "intuitaccountid": None}]
        ).encode(),
    ],
)
def test_malformed_payloads_are_refused(body: bytes) -> None:
    with pytest.raises(WebhookPayloadError):
        parse_events(body)


# -- the receiver ----------------------------------------------------------------------------


def bind() -> tuple[socket.socket, str]:
    """A loopback socket and the receiver URL it will serve."""
    sock = loopback_socket()
    return sock, f"http://127.0.0.1:{sock.getsockname()[1]}/hooks/qbo"


@asynccontextmanager
async def serving(app: Any, bound: tuple[socket.socket, str] | None = None) -> AsyncIterator[str]:
    """uvicorn on a loopback port, in this event loop (so an asyncio.Queue is shared)."""
    sock, url = bound or bind()
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and not task.done(), "receiver did not start"
        await asyncio.sleep(0.01)
    try:
        yield url
    finally:
        server.should_exit = True
        await task
        sock.close()


async def post(url: str, body: bytes, signature: str | None, **headers: str) -> httpx.Response:
    if signature is not None:
        headers["intuit-signature"] = signature
    async with httpx.AsyncClient() as http:
        return await http.post(url, content=body, headers=headers)


async def test_receiver_verifies_answers_and_queues() -> None:
    queue: asyncio.Queue[WebhookEvent] = asyncio.Queue()
    receiver = WebhookReceiver(VECTOR_TOKEN, queue, path="/hooks/qbo", max_body_bytes=4096)
    async with serving(receiver) as url:
        response = await post(url, VECTOR_BODY, VECTOR_SIGNATURE)
        assert response.status_code == 200
        first, second = (
            await asyncio.wait_for(queue.get(), 5),
            await asyncio.wait_for(queue.get(), 5),
        )
        assert (first.entity, second.entity) == ("Vendor", "Customer")

        assert (await post(url, VECTOR_BODY, "AAAA" + VECTOR_SIGNATURE[4:])).status_code == 401
        assert (await post(url, VECTOR_BODY, None)).status_code == 401
        garbage = b'{"hello": "world"}'
        assert (await post(url, garbage, sign(garbage, VECTOR_TOKEN))).status_code == 400
        huge = b"[" + b" " * 5000 + b"]"
        assert (await post(url, huge, sign(huge, VECTOR_TOKEN))).status_code == 413
        async with httpx.AsyncClient() as http:
            assert (await http.get(url)).status_code == 405
        await asyncio.sleep(0.05)
        assert queue.empty()  # nothing refused reached the handler


async def test_receiver_answers_before_the_handler_finishes() -> None:
    release = asyncio.Event()
    handled: list[WebhookEvent] = []

    async def slow_handler(event: WebhookEvent) -> None:
        await release.wait()
        handled.append(event)

    receiver = WebhookReceiver(["old-token", VECTOR_TOKEN], slow_handler, path="/hooks/qbo")
    async with serving(receiver) as url:
        response = await asyncio.wait_for(post(url, VECTOR_BODY, VECTOR_SIGNATURE), 5)
        assert response.status_code == 200 and handled == []
        release.set()
        deadline = time.monotonic() + 5
        while len(handled) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    assert [e.entity_id for e in handled] == ["40", "43"]


async def test_sync_callbacks_run_and_their_errors_are_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    seen: list[str] = []

    def callback(event: WebhookEvent) -> None:
        seen.append(event.entity_id)
        if event.entity == "Vendor":
            raise RuntimeError("handler bug")

    receiver = WebhookReceiver(VECTOR_TOKEN, callback, path="/hooks/qbo")
    async with serving(receiver) as url:
        assert (await post(url, VECTOR_BODY, VECTOR_SIGNATURE)).status_code == 200
        deadline = time.monotonic() + 5
        while len(seen) < 2:
            assert time.monotonic() < deadline
            await asyncio.sleep(0.01)
    assert seen == ["40", "43"]  # the second event is handled despite the first one's error
    failures = [r for r in caplog.records if r.name == "qbo.client.webhooks" and r.exc_info]
    assert len(failures) == 1 and VECTOR_TOKEN not in caplog.text


# -- a real delivery from the emulator -------------------------------------------------------


@pytest.mark.parametrize("fmt", ["cloudevents", "legacy"])
async def test_emulator_delivery_is_received_and_verified(
    fmt: str, caplog: pytest.LogCaptureFixture
) -> None:
    from qbo.emulator.webhooks import webhooks_for

    config = EmulatorConfig(
        db=":memory:",
        seed="empty",
        auth=AuthMode.OAUTH,
        webhook_window=60.0,
        webhook_retry_factor=0.01,
        webhook_timeout=5.0,
    )
    emulator = Emulator.open(config)
    transport = httpx.ASGITransport(app=create_app(emulator), client=("127.0.0.1", 5555))
    queue: asyncio.Queue[WebhookEvent] = asyncio.Queue()
    caplog.set_level(logging.WARNING, logger="qbo.client.webhooks")
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as http:
            realm = emulator.realms.list()[0].realm_id
            sock, url = bind()
            created = await http.post(
                "/_emulator/apps",
                json={
                    "name": "webhook app",
                    "redirect_uris": ["http://127.0.0.1/callback"],
                    "auto_approve": True,
                    "webhook_url": url,
                    "webhook_format": fmt,
                },
            )
            assert created.status_code == 201, created.text
            app = created.json()
            receiver = WebhookReceiver(app["verifier_token"], queue, path="/hooks/qbo")
            async with serving(receiver, (sock, url)):
                oauth = AsyncOAuthClient(
                    emulator_environment("http://emulator.test"),
                    ClientCredentials(
                        app["client_id"], app["client_secret"], "http://127.0.0.1/callback"
                    ),
                    http_client=http,
                    clock=emulator.clock.now,
                )
                request = oauth.authorization_url(extra={"realm_id": realm})
                location = (await http.get(request.url)).headers["location"]
                code = parse_qs(urlsplit(location).query)["code"][0]
                token = await oauth.exchange_code(code, realm_id=realm)

                customer = await http.post(
                    f"/v3/company/{realm}/customer",
                    json={"DisplayName": f"Webhook {fmt}"},
                    auth=BearerAuth(token.access_token),
                )
                assert customer.status_code == 200, customer.text
                customer_id = customer.json()["Customer"]["Id"]

                report = await webhooks_for(emulator).run_once(force=True)
                # Our 200 (signature verified) is what makes the delivery count as delivered.
                assert (report.delivered, report.failed, report.retrying) == (1, 0, 0)
                event = await asyncio.wait_for(queue.get(), 10)
    finally:
        webhooks_for(emulator).stop()
        emulator.close()
    assert (event.realm_id, event.entity, event.entity_id, event.operation) == (
        realm,
        "Customer",
        customer_id,
        Operation.CREATE,
    )
    assert event.occurred_at is not None and event.event_id
    assert not [r for r in caplog.records if "refused" in r.getMessage()]
