"""An Id deleted in QBO and later made again, end to end through the emulator.

QBO never hands out an Id twice within a company, but a company restored from a backup
(or a sandbox reset) does: the emulator's realm reset is that case. The object made again
has version 0 and a later LastUpdatedTime than the deletion, so it must replace the
tombstone, whether it arrives by a sweep or by a webhook, and announce itself as created.
"""

from __future__ import annotations

from contextlib import AsyncExitStack

import pytest

from tests.sync.conftest import Env
from tests.sync.test_webhooks import deliver, delivering
from tests.sync.world import World

pytestmark = pytest.mark.anyio


@pytest.mark.slow
@pytest.mark.parametrize("path", ["sweep", "webhook"])
async def test_a_deleted_id_made_again_replaces_its_tombstone(env: Env, path: str) -> None:
    w = env.world
    syncer = env.syncer()
    async with AsyncExitStack() as stack:
        if path == "webhook":
            await stack.enter_async_context(delivering(env, "cloudevents"))
        invoice = await w.create("Invoice")
        await syncer.run_once()
        first = env.mirror_objects(["Invoice"])[("Invoice", invoice)]
        await w.remove("Invoice", invoice)
        env.emulator.clock.advance(2)
        if path == "webhook":
            await deliver(env)
        else:
            await syncer.run_once()
        assert ("Invoice", invoice) in env.tombstones()

        env.emulator.clock.advance(2)
        reset = await env.control.post(f"/_emulator/realms/{env.realm}/reset")
        assert reset.status_code == 200, reset.text
        body = await World(env.qb, env.control).body("Invoice")
        body["PrivateNote"] = "second life"
        made = await env.qb.invoices.create(body)
        assert made.Id == invoice  # the reset realm hands the Id out again
        env.emulator.clock.advance(2)
        if path == "webhook":
            await deliver(env)
        else:
            await syncer.run_once()

    expected = await env.emulator_objects(["Invoice"])
    assert env.mirror_objects(["Invoice"]) == expected
    assert (
        expected[("Invoice", invoice)]["PrivateNote"] == "second life" != first.get("PrivateNote")
    )
    assert ("Invoice", invoice) not in env.tombstones()
    invoice_events = [(k, v) for e, i, k, v in env.changes() if (e, i) == ("Invoice", invoice)]
    assert invoice_events == [("created", 0), ("deleted", None), ("created", 0)]
    if path == "webhook":  # a sweep then brings what the reset changed without events
        env.emulator.clock.advance(2)
        await syncer.run_once()
    await env.assert_converged()
