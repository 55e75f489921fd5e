"""A fault on one object never stops the rest of the webhook work.

The emulator's HTTP fault injection fails exactly one request: the read of the one
delivery that names the unlucky invoice (the client makes a single attempt, so one
rule firing once is the whole fault). Every other delivery is applied, the error shows
in the status, and the next call applies the invoice once the fault is gone. A
malformed delivery in the same queue is marked bad and skipped, never in the way.
"""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from qbo.client import RetryPolicy
from qbo.client.webhooks import sign
from qbo.emulator.webhooks import webhooks_for
from qbo.sync import process_inbox
from qbo.sync import tables as t
from qbo.sync.status import realm_status
from tests.sync.conftest import Env
from tests.sync.test_webhooks import deliver, delivering

pytestmark = pytest.mark.anyio


def inbox_states(env: Env) -> list[str]:
    with env.mirror.transaction() as conn:
        return list(conn.execute(select(t.inbox.c.state).order_by(t.inbox.c.seq)).scalars())


def invoice_error(env: Env) -> str | None:
    [invoice] = [e for e in realm_status(env.mirror, env.realm).entities if e.entity == "Invoice"]
    return invoice.last_error


async def test_a_fault_on_one_object_never_stops_the_rest(env: Env) -> None:
    w = env.world
    one_try = env.client(retry=RetryPolicy(max_attempts=1))
    flush = webhooks_for(env.emulator).run_once
    async with delivering(env, "cloudevents") as (url, token):
        for entity in ("Item", "Customer", "Vendor"):
            await w.create(entity)
        await env.syncer().run_once()
        env.emulator.clock.advance(2)
        await deliver(env)  # what was made so far: already mirrored
        before = len(inbox_states(env))

        malformed = b'{"not": "a webhook"}'
        async with httpx.AsyncClient() as http:
            answer = await http.post(
                url, content=malformed, headers={"intuit-signature": sign(malformed, token)}
            )
        assert answer.status_code == 200
        unlucky = await w.create("Invoice")
        env.emulator.clock.advance(1)
        await flush(force=True)  # a delivery of its own: the invoice
        bill, vendor = await w.create("Bill"), await w.create("Vendor")
        customer = w.ids("Customer")[0]
        await w.sparse_update("Customer", customer)
        env.emulator.clock.advance(1)
        await flush(force=True)  # another: the bill, the vendor, the customer
        # a delivery naming one object is read with a plain query (one item: no /batch)
        rule = {"kind": "status", "status": 500, "match": {"path_prefix": "query"}, "count": 1}
        assert (await env.control.post("/_emulator/faults", json=rule)).status_code == 201
        try:
            faulted = await process_inbox(env.mirror, one_try)
        finally:
            await env.control.delete("/_emulator/faults")

        assert (faulted.bad, faulted.done, faulted.retrying) == (1, 1, 1), faulted
        assert inbox_states(env)[before:] == ["bad", "pending", "done"]
        mirrored = env.mirror_objects()
        assert ("Invoice", unlucky) not in mirrored
        current = await env.emulator_objects(["Bill", "Vendor", "Customer"])
        for key in (("Bill", bill), ("Vendor", vendor), ("Customer", customer)):
            assert mirrored[key] == current[key], key
        error = invoice_error(env)
        assert error is not None and error.startswith("webhook: ") and "Invoice" not in error[:9]
        assert realm_status(env.mirror, env.realm).inbox["pending"] == 1

        cleared = await process_inbox(env.mirror, one_try)  # the fault is gone

    assert (cleared.done, cleared.retrying, cleared.bad) == (1, 0, 0), cleared
    assert inbox_states(env)[before:] == ["bad", "done", "done"]
    assert invoice_error(env) is None
    await env.assert_converged(["Invoice", "Bill", "Vendor", "Customer"])
    created = [k for e, i, k, _ in env.changes() if (e, i) == ("Invoice", unlucky)]
    assert created == ["created"]


@pytest.mark.parametrize("mirror", ["sqlite"], indirect=True)  # the path is the same on both
async def test_when_every_read_fails_a_call_stops_after_three_deliveries(env: Env) -> None:
    w = env.world
    one_try = env.client(retry=RetryPolicy(max_attempts=1))
    flush = webhooks_for(env.emulator).run_once
    async with delivering(env, "legacy"):
        await env.syncer().run_once()
        await deliver(env)
        before = len(inbox_states(env))
        for _ in range(5):
            await w.create("Customer")
            env.emulator.clock.advance(1)
            await flush(force=True)  # five deliveries, one customer each
        rule = {"kind": "status", "status": 503, "match": {"path_prefix": "query"}}
        assert (await env.control.post("/_emulator/faults", json=rule)).status_code == 201
        try:
            outage = await process_inbox(env.mirror, one_try)
        finally:
            await env.control.delete("/_emulator/faults")
        with env.mirror.transaction() as conn:
            tried = list(
                conn.execute(select(t.inbox.c.attempts).order_by(t.inbox.c.seq)).scalars()
            )[before:]
        back = await process_inbox(env.mirror, one_try)

    assert (outage.retrying, outage.done, outage.requests) == (3, 0, 0), outage
    assert tried == [1, 1, 1, 0, 0]  # the last two were not tried against a failing QBO
    assert back.done == 5
    await env.assert_converged(["Customer"])
