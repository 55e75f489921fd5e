"""The convergence property: whatever happens to a company, and however its webhooks
arrive (dropped, twice, late, out of order), webhooks plus sweeps leave the mirror equal
to QBO object for object, and every tombstone is a deletion.

Each example is a new company (realm) connected to one app whose endpoint is the
mirror's inbox on a loopback socket; hypothesis draws the steps and the fault seed.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.emulator.webhooks import webhooks_for
from qbo.sync import Syncer, WebhookInbox, process_inbox
from qbo.testing import ServerThread
from tests.delivery.conftest import connect_realm, free_port, register_app
from tests.sync.conftest import Env
from tests.sync.world import MERGEABLE, NAME_LISTS, TRANSACTIONS, VOIDABLE, World

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ENTITIES = [*NAME_LISTS, *TRANSACTIONS]  # eleven entity types
MIRRORED = [*ENTITIES, "Account"]
EXAMPLES = 6

index = st.integers(0, 50)
step = st.one_of(
    st.tuples(st.just("create"), st.sampled_from(ENTITIES)),
    st.tuples(st.just("sparse"), st.sampled_from(ENTITIES), index),
    st.tuples(st.just("full"), st.sampled_from(ENTITIES), index),
    st.tuples(st.just("remove"), st.sampled_from(ENTITIES), index),
    st.tuples(st.just("void"), st.sampled_from(VOIDABLE), index),
    st.tuples(st.just("merge"), st.sampled_from(MERGEABLE), index, index),
    st.tuples(st.just("sync")),
    st.tuples(st.just("deliver")),
)
faults = st.fixed_dictionaries(
    {
        "drop": st.sampled_from([0, 0.2]),
        "duplicate": st.sampled_from([0, 0.3]),
        "delay": st.sampled_from([0, 0.3]),
        "delay_seconds": st.just(0),
        "reorder": st.booleans(),
        "seed": st.integers(0, 1000),
        "limit": st.just(30),
    }
)


async def run_step(w: World, env: Env, syncer: Syncer, s: Any) -> None:
    kind = s[0]
    if kind == "sync":
        await syncer.run_once()
        return
    if kind == "deliver":
        await webhooks_for(env.emulator).run_once(force=True)
        await process_inbox(env.mirror, env.qb)
        return
    entity = s[1]
    if kind == "create":
        await w.create(entity)
        return
    ids = w.ids(entity)
    if not ids:
        return
    target = ids[s[2] % len(ids)]
    if kind == "sparse":
        await w.sparse_update(entity, target)
    elif kind == "full":
        await w.full_update(entity, target)
    elif kind == "remove":
        await w.remove(entity, target)
    elif kind == "void":
        await w.void(entity, target)
    elif kind == "merge":
        live = [i for i in ids if (entity, i) not in w.inactive]
        if len(live) >= 2:
            source, into = live[s[2] % len(live)], live[s[3] % len(live)]
            if source != into:
                await w.merge(entity, source, into)
    env.emulator.clock.advance(1)


@pytest.fixture
async def inbox_app(env: Env) -> AsyncIterator[dict[str, Any]]:
    """An app whose webhook endpoint is the mirror's inbox, served on a loopback socket."""
    port = free_port()
    app = await register_app(env.control, f"http://127.0.0.1:{port}/", "cloudevents")
    with ServerThread(WebhookInbox(env.mirror, app["verifier_token"]), port=port):
        yield app
    await env.control.delete("/_emulator/webhooks/faults")


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(step, min_size=4, max_size=14), fault=faults)
async def test_mirror_converges_under_any_history(
    env: Env, inbox_app: dict[str, Any], steps: list[Any], fault: dict[str, Any]
) -> None:
    realm = env.emulator.realms.create("empty").realm_id
    await connect_realm(env.control, inbox_app, realm)
    answer = await env.control.post("/_emulator/webhooks/faults", json=fault)
    assert answer.status_code == 200, answer.text
    e = replace(env, realm=realm, opened=[])
    e.qb = e.client()
    e.world = World(e.qb, env.control)
    try:
        syncer = Syncer(e.mirror, e.qb, entities=MIRRORED)
        await syncer.run_once()
        for s in steps:
            await run_step(e.world, e, syncer, s)
        # The combined approach at the end: pending deliveries, then a sweep.
        await webhooks_for(e.emulator).run_once(force=True)
        await process_inbox(e.mirror, e.qb)
        e.emulator.clock.advance(1)
        await syncer.run_once()

        await e.assert_converged(MIRRORED)
        created = Counter((x, i) for x, i, k, _ in e.changes() if k == "created")
        assert not created or max(created.values()) == 1
        seen_alive = {(x, i) for x, i, k, _ in e.changes() if k in ("created", "updated")}
        assert {r for r in e.world.removed if r in seen_alive} <= e.tombstones()
    finally:
        for client in e.opened:
            await client.aclose()
