"""Webhooks into the mirror: the inbox's answers, then real deliveries from the emulator
over a socket, with and without delivery faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from sqlalchemy import select

from qbo.client.webhooks import sign
from qbo.emulator.webhooks import webhooks_for
from qbo.sync import WebhookInbox, process_inbox
from qbo.sync import tables as t
from qbo.testing import ServerThread
from tests.delivery.conftest import connect, free_port
from tests.sync.conftest import Env

pytestmark = pytest.mark.anyio

TOKEN = "verifier-token-for-tests"
LEGACY = (
    b'{"eventNotifications":[{"realmId":"1","dataChangeEvent":{"entities":['
    b'{"name":"Customer","id":"1","operation":"Update","lastUpdated":"2026-10-05T03:07:04.000Z"}'
    b"]}}]}"
)


def inbox_rows(env: Env) -> list[tuple[str, str | None]]:
    with env.mirror.transaction() as conn:
        rows = conn.execute(select(t.inbox.c.state, t.inbox.c.error).order_by(t.inbox.c.seq)).all()
    return [(r.state, r.error) for r in rows]


async def test_a_bad_signature_gets_401_and_nothing_is_stored(env: Env) -> None:
    with ServerThread(WebhookInbox(env.mirror, TOKEN)) as url:
        async with httpx.AsyncClient() as http:
            forged = await http.post(url, content=LEGACY, headers={"intuit-signature": "AAAA"})
            unsigned = await http.post(url, content=LEGACY)
            signed = await http.post(
                url, content=LEGACY, headers={"intuit-signature": sign(LEGACY, TOKEN)}
            )
    assert (forged.status_code, unsigned.status_code, signed.status_code) == (401, 401, 200)
    assert inbox_rows(env) == [("pending", None)]


async def test_a_malformed_payload_is_stored_marked_bad_and_not_retried(env: Env) -> None:
    body = b'{"hello": "not a webhook"}'
    with ServerThread(WebhookInbox(env.mirror, TOKEN)) as url:
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                url, content=body, headers={"intuit-signature": sign(body, TOKEN)}
            )
    assert answer.status_code == 200
    first = await process_inbox(env.mirror, env.qb)
    second = await process_inbox(env.mirror, env.qb)
    assert (first.bad, second.bad, second.done) == (1, 0, 0)
    [(state, error)] = inbox_rows(env)
    assert state == "bad" and error is not None and "eventNotifications" in error


@asynccontextmanager
async def delivering(env: Env, webhook_format: str) -> AsyncIterator[tuple[str, str]]:
    """The mirror's inbox on a loopback socket, registered as an app's webhook endpoint
    and connected to the test's realm through the emulator's OAuth flow; its URL and
    verifier token."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    app = await connect(env.control, env.realm, url, webhook_format)
    with ServerThread(WebhookInbox(env.mirror, app.verifier_token), port=port):
        yield url, app.verifier_token
    await env.control.delete("/_emulator/webhooks/faults")


async def deliver(env: Env, rounds: int = 1) -> None:
    dispatcher = webhooks_for(env.emulator)
    for _ in range(rounds):
        await dispatcher.run_once(force=True)
        await process_inbox(env.mirror, env.qb)


@pytest.mark.parametrize("webhook_format", ["legacy", "cloudevents"])
async def test_deliveries_bring_every_change_without_a_sweep(env: Env, webhook_format: str) -> None:
    w = env.world
    async with delivering(env, webhook_format):
        keep, gone = await w.create("Customer"), await w.create("Customer")
        invoice = await w.create("Invoice")
        doomed = await w.create("Bill")
        await env.syncer().run_once()
        env.emulator.clock.advance(2)
        await deliver(env)  # the creations, already mirrored: nothing changes

        await w.sparse_update("Invoice", invoice)
        await w.void("Invoice", invoice)
        await w.remove("Bill", doomed)
        await w.merge("Customer", gone, keep)
        new_vendor = await w.create("Vendor")
        env.emulator.clock.advance(2)
        await deliver(env)

    await env.assert_converged()
    kinds = {(e, i): k for e, i, k, _ in env.changes()}
    assert kinds[("Customer", gone)] == "merged"
    assert kinds[("Bill", doomed)] == "deleted"
    assert kinds[("Vendor", new_vendor)] == "created"


@pytest.mark.slow
async def test_dropped_duplicated_delayed_and_reordered_deliveries_converge(env: Env) -> None:
    w = env.world
    syncer = env.syncer()
    async with delivering(env, "cloudevents"):
        await w.create("Invoice")
        await syncer.run_once()
        faults = {
            "drop": 0.2,
            "duplicate": 0.3,
            "delay": 0.3,
            "delay_seconds": 0.0,
            "reorder": True,
            "seed": 11,
            "limit": 40,
        }
        answer = await env.control.post("/_emulator/webhooks/faults", json=faults)
        assert answer.status_code == 200, answer.text
        for step in range(12):
            entity = ("Invoice", "Customer", "Bill", "Vendor")[step % 4]
            made = await w.create(entity)
            if step % 3 == 0:
                await w.sparse_update(entity, made)
            if step % 4 == 2:
                await w.remove(entity, made)
            env.emulator.clock.advance(1)
            await webhooks_for(env.emulator).run_once(force=True)
        injected = (await env.control.get("/_emulator/webhooks/faults")).json()["injected"]
        await deliver(env, rounds=3)
        env.emulator.clock.advance(2)
        await syncer.run_once()  # the sweep catches what was dropped

    assert injected > 0
    await env.assert_converged()
    created = Counter((e, i) for e, i, k, _ in env.changes() if k == "created")
    assert created and max(created.values()) == 1  # no object announced twice


async def test_the_delivery_fault_settings_are_checked_shown_and_cleared(env: Env) -> None:
    url = "/_emulator/webhooks/faults"
    for body, message in (
        ({"drop": 2}, "drop must be a probability from 0 to 1"),
        ({"reorder": "yes"}, "reorder must be true or false"),
        ({"delay_seconds": -1}, "delay_seconds must be 0 to 3600"),
        ({"limit": -1}, "limit must be 0 or more"),
        ({"seed": 1.5}, "seed must be an integer"),
        ({"lose": 0.5}, "unknown field(s) lose"),
    ):
        refused = await env.control.post(url, json=body)
        assert refused.status_code == 400 and message in refused.text, (body, refused.text)
    made = await env.control.post(url, json={"duplicate": 1, "seed": 3, "limit": 2})
    assert made.json() == {
        "drop": 0.0,
        "duplicate": 1.0,
        "delay": 0.0,
        "delay_seconds": 1.0,
        "reorder": False,
        "seed": 3,
        "limit": 2,
        "injected": 0,
    }
    assert (await env.control.get(url)).json()["duplicate"] == 1.0
    cleared = await env.control.delete(url)
    assert cleared.json()["duplicate"] == 0.0 and cleared.json()["limit"] is None
