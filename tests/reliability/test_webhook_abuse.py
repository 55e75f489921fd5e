"""The mirror's webhook endpoint (``qbo sync serve``) under replayed, tampered and broken
deliveries, over a real socket, on SQLite and PostgreSQL mirrors.

- A delivery replayed byte for byte is stored again but applied once: one object, one
  ``created`` change event, whatever the number of copies.
- A tampered delivery (body changed after signing, a signature made with another token,
  cut short, or padded) gets 401 and nothing is stored; an oversized one gets 413.
- A signed delivery that is not a webhook (cut JSON, bytes that are not UTF-8, the wrong
  shape) is stored, marked ``bad`` once and never tried again, and the good deliveries
  around it are applied.

``tests/sync/test_webhooks.py`` covers a forged and a missing signature and one
well-formed foreign payload; this adds the cases above.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from qbo.client.webhooks import sign
from qbo.schema.models import Customer
from qbo.sync import WebhookInbox, process_inbox
from qbo.sync import tables as t
from qbo.testing import ServerThread
from tests.sync.conftest import Env, env, mirror, sync_emu

__all__ = ["env", "mirror", "sync_emu"]

pytestmark = pytest.mark.anyio

TOKEN = "reliability-verifier-token"


def legacy(realm: str, entity_id: str, operation: str = "Create") -> bytes:
    event = {
        "name": "Customer",
        "id": entity_id,
        "operation": operation,
        "lastUpdated": "2026-10-05T03:07:04.000Z",
    }
    notification = {"realmId": realm, "dataChangeEvent": {"entities": [event]}}
    return json.dumps({"eventNotifications": [notification]}).encode()


def inbox(env: Env) -> list[tuple[str, int]]:
    with env.mirror.transaction() as conn:
        rows = conn.execute(
            select(t.inbox.c.state, t.inbox.c.attempts).order_by(t.inbox.c.seq)
        ).all()
    return [(r.state, r.attempts) for r in rows]


def rows_of(env: Env, table: Any) -> int:
    with env.mirror.transaction() as conn:
        found: int = conn.execute(select(func.count()).select_from(table)).scalar_one()
    return found


async def post(url: str, body: bytes, signature: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["intuit-signature"] = signature
    async with httpx.AsyncClient() as http:
        return (await http.post(url, content=body, headers=headers)).status_code


async def test_a_replayed_delivery_is_applied_once(env: Env, figures: dict[str, Any]) -> None:
    customer = await env.qb.customers.create(Customer(DisplayName="Replayed Once"))
    assert customer.Id is not None
    body = legacy(env.realm, customer.Id)
    replays = 4
    with ServerThread(WebhookInbox(env.mirror, TOKEN)) as url:
        answers = [await post(url, body, sign(body, TOKEN)) for _ in range(replays)]
    assert answers == [200] * replays
    first = await process_inbox(env.mirror, env.qb)
    again = await process_inbox(env.mirror, env.qb)
    assert (first.done, again.done) == (replays, 0)
    assert inbox(env) == [("done", 1)] * replays
    assert env.mirror_objects(["Customer"]) == {
        ("Customer", customer.Id): (await env.emulator_objects(["Customer"]))[
            ("Customer", customer.Id)
        ]
    }
    assert [k for e, i, k, _ in env.changes() if (e, i) == ("Customer", customer.Id)] == ["created"]
    figures.update(deliveries=replays, applied=first.applied, change_events=1)


def tampered(body: bytes) -> list[tuple[str, bytes, str | None]]:
    good = sign(body, TOKEN)
    return [
        ("body changed after signing", body.replace(b'"Create"', b'"Delete"'), good),
        ("one byte flipped", body[:-3] + bytes([body[-3] ^ 1]) + body[-2:], good),
        ("cut short", body[: len(body) // 2], good),
        ("padded", body + b" ", good),
        ("another token", body, sign(body, TOKEN + "x")),
        ("signature cut", body, good[:-4]),
        ("signature of the empty body", body, sign(b"", TOKEN)),
        ("hex, not base64", body, good.encode().hex()),
        ("two signatures", body, f"{good},{good}"),
        ("empty signature", body, ""),
    ]


async def test_tampered_deliveries_get_401_and_nothing_is_stored(
    env: Env, figures: dict[str, Any]
) -> None:
    body = legacy(env.realm, "1")
    cases = tampered(body)
    with ServerThread(WebhookInbox(env.mirror, TOKEN, max_body_bytes=4096)) as url:
        answers = {why: await post(url, sent, signature) for why, sent, signature in cases}
        huge = b"[" + b" " * 5000 + b"]"
        oversized = await post(url, huge, sign(huge, TOKEN))
    assert answers == {why: 401 for why, _, _ in cases}
    assert oversized == 413
    assert rows_of(env, t.inbox) == 0 and rows_of(env, t.changes) == 0
    figures.update(tampered=len(cases), status_401=len(cases), oversized_413=1, stored=0)


def garbage(realm: str) -> list[bytes]:
    """Signed deliveries that are not webhooks of this company's objects."""
    return [
        b'{"eventNotifications": [{"realmId": "1", "dataChangeEvent": {"entities": [{"name": "Cust',
        b"\xff\xfe\x00{not utf-8}",
        b"",
        b"[1, 2, 3]",
        b'{"eventNotifications": "everything"}',
        b'{"eventNotifications": [{"realmId": 7, "dataChangeEvent": {"entities": [{"id": []}]}}]}',
        b'[{"specversion": "1.0", "type": "qbo.customer.created.v1"}]',
        b"[" * 2000 + b"]" * 2000,
        b"null",
        # well formed, but with ids no object has: a NUL cannot even be stored in PostgreSQL
        legacy(realm, "4\u0000", "Delete"),
        legacy(realm, "4", "Merge").replace(b'"Merge"', b'"Merge", "deletedId": "5\\u0000"'),
    ]


async def test_signed_garbage_is_marked_bad_once_and_good_deliveries_still_apply(
    env: Env, figures: dict[str, Any]
) -> None:
    customer = await env.qb.customers.create(Customer(DisplayName="Among Garbage"))
    assert customer.Id is not None
    good = legacy(env.realm, customer.Id)
    bad = garbage(env.realm)
    deliveries = [*bad[:4], good, *bad[4:]]
    with ServerThread(WebhookInbox(env.mirror, TOKEN)) as url:
        answers = [await post(url, body, sign(body, TOKEN)) for body in deliveries]
    assert answers == [200] * len(deliveries)  # Intuit is answered at once; judged later
    first = await process_inbox(env.mirror, env.qb)
    second = await process_inbox(env.mirror, env.qb)
    assert (first.bad, first.done, first.retrying, first.failed) == (len(bad), 1, 0, 0)
    assert (second.bad, second.done, second.retrying) == (0, 0, 0)  # never tried again
    states = [state for state, _ in inbox(env)]
    assert states == [*["bad"] * 4, "done", *["bad"] * (len(bad) - 4)]
    assert ("Customer", customer.Id) in env.mirror_objects(["Customer"])
    figures.update(garbage=len(bad), marked_bad=first.bad, good_applied=first.done)
