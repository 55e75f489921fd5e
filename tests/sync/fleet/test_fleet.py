"""The fleet in this process: jobs, locks, queueing locks, backoff and parking."""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from qbo.sync import tables as t
from qbo.sync.fleet import Fleet, FleetSettings, registry
from qbo.sync.fleet.fleet import LOAD, SYNC, WEBHOOKS
from qbo.testing import ServerThread
from tests.conftest import PG_URL
from tests.sync.fleet.conftest import REDIRECT, FleetWorld

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.anyio]


def _mirrored(fleet: Fleet, realm_id: str) -> dict[str, int]:
    o = t.objects
    with fleet.mirror.transaction() as conn:
        rows = conn.execute(
            select(o.c.entity, func.count())
            .where(o.c.realm_id == realm_id, o.c.deleted.is_(False))
            .group_by(o.c.entity)
        ).all()
    return {entity: int(n) for entity, n in rows}


def _served(world: FleetWorld, fleet: Fleet, realm_id: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        found: dict[str, int] = {}
        async with fleet.client(realm_id) as qb:
            async for page in qb.extract():
                if page.rows:
                    found[page.entity] = found.get(page.entity, 0) + len(page.rows)
        return found

    import asyncio

    return asyncio.run(count())


async def test_connected_realms_are_loaded_by_a_worker(
    fleet_world: FleetWorld, settings: FleetSettings, unused_port: int
) -> None:
    from qbo.sync.fleet import metrics

    metrics.serve(unused_port)
    fleet = Fleet(settings)
    fleet.install()
    realms = [fleet_world.realm("demo"), fleet_world.realm("empty")]
    for realm_id in realms:
        fleet.connect(fleet_world.token(realm_id))
    assert not fleet.defer(LOAD, realms[0])  # already queued: the queueing lock holds
    await fleet.run_worker(concurrency=2, wait=False)
    for realm_id in realms:
        mirrored = _mirrored(fleet, realm_id)
        assert mirrored["Account"] > 10
    with fleet.mirror.transaction() as conn:
        runs = conn.execute(
            select(t.fleet_runs.c.task, t.fleet_runs.c.realm_id, t.fleet_runs.c.outcome)
        ).all()
        states = {r.realm_id: r.state for r in registry.all_realms(conn)}
    loads = sorted(r.realm_id for r in runs if r.task == LOAD)
    assert loads == sorted(realms)  # one load each (sweeps may add CDC passes)
    assert {r.outcome for r in runs} == {"ok"}
    assert states == dict.fromkeys(realms, "active")
    scraped = httpx.get(f"http://127.0.0.1:{unused_port}/metrics").text
    assert 'qbo_fleet_jobs_total{outcome="ok",task="qbo.sync.load_realm"}' in scraped
    assert f'qbo_fleet_requests_total{{realm="{realms[0]}"}}' in scraped
    fleet.close()


async def test_a_revoked_realm_is_parked_with_its_reason(
    fleet_world: FleetWorld, settings: FleetSettings
) -> None:
    fleet = Fleet(settings)
    fleet.install()
    realm_id = fleet_world.realm("empty")
    token = fleet_world.token(realm_id)
    fleet.connect(token)
    revoked = httpx.post(
        f"{fleet_world.url}/v2/oauth2/tokens/revoke",
        json={"token": token.refresh_token},
        auth=(settings.client_id, settings.client_secret),
    )
    assert revoked.status_code == 200
    await fleet.run_worker(concurrency=1, wait=False)
    with fleet.mirror.transaction() as conn:
        realm = registry.get(conn, realm_id)
    assert realm is not None and realm.state == registry.PARKED
    assert realm.reason is not None and "ReauthorizationRequired" in realm.reason
    assert await fleet.sweep() == 0  # a parked realm is not swept
    fleet.connect(fleet_world.token(realm_id))  # connecting again un-parks it
    with fleet.mirror.transaction() as conn:
        again = registry.get(conn, realm_id)
    assert again is not None and again.state == registry.ACTIVE
    fleet.close()


async def test_the_sweep_queues_each_due_realm_once(
    fleet_world: FleetWorld, settings: FleetSettings
) -> None:
    fleet = Fleet(settings)
    fleet.install()
    realm_id = fleet_world.realm("empty")
    fleet.connect(fleet_world.token(realm_id))
    async with fleet.app.open_async():
        assert await fleet.sweep() == 1
        assert await fleet.sweep() == 0  # the same job is already waiting
        jobs = await fleet.app.job_manager.list_jobs_async(task=SYNC)
    assert [j.status for j in jobs].count("todo") == 1
    fleet.close()


class _Late:
    """An ASGI app set after its server (and so its URL) exists."""

    app: Any = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)


async def test_webhooks_are_stored_per_company_and_applied_by_its_job(
    fleet_world: FleetWorld, fleet_schema: str, token_key: str
) -> None:
    late = _Late()
    with ServerThread(late) as hook_url:
        app = httpx.post(
            f"{fleet_world.url}/_emulator/apps",
            json={
                "name": "Fleet hooks",
                "redirect_uris": [REDIRECT],
                "auto_approve": True,
                "webhook_url": f"{hook_url}/webhooks",
            },
        ).json()
        hooked = FleetWorld(fleet_world.url, fleet_world.counter, fleet_world.emulator, app)
        settings = FleetSettings(
            database_url=PG_URL,
            client_id=app["client_id"],
            client_secret=app["client_secret"],
            environment=fleet_world.url,
            schema=fleet_schema,
            webhook_verifier_token=app["verifier_token"],
        )
        fleet = Fleet(settings)
        fleet.install()
        late.app = fleet.webhook_app()
        realms = [hooked.realm("empty"), hooked.realm("empty")]
        for realm_id in realms:
            fleet.connect(hooked.token(realm_id))
        await fleet.run_worker(concurrency=2, wait=False)  # the initial loads
        for realm_id in realms:
            async with fleet.client(realm_id) as qb:
                await qb.customers.create({"DisplayName": f"Hooked {realm_id}"})
        flushed = httpx.post(f"{fleet_world.url}/_emulator/webhooks/flush", timeout=60)
        assert flushed.status_code == 200, flushed.text
        inbox = t.inbox
        with fleet.mirror.transaction() as conn:
            stored = conn.execute(select(inbox.c.realm_id, inbox.c.state)).all()
        assert sorted(r.realm_id for r in stored) == sorted(realms)  # one row per company
        async with fleet.app.open_async():
            queued = await fleet.app.job_manager.list_jobs_async(task=WEBHOOKS, status="todo")
        assert sorted(j.task_kwargs["realm_id"] for j in queued) == sorted(realms)
        await fleet.run_worker(concurrency=2, wait=False)
        o = t.objects
        with fleet.mirror.transaction() as conn:
            names = set(conn.execute(select(o.c.name).where(o.c.entity == "Customer")).scalars())
            states = set(conn.execute(select(inbox.c.state)).scalars())
        assert {f"Hooked {r}" for r in realms} <= names
        assert states == {"done"}
        fleet.close()


async def test_a_failing_realm_backs_off_without_holding_a_worker(
    fleet_world: FleetWorld, settings: FleetSettings
) -> None:
    from dataclasses import replace

    from qbo.client import RetryPolicy

    fast = RetryPolicy(max_attempts=2, backoff_base=0.01, backoff_max=0.02, seed=1)
    fleet = Fleet(replace(settings, retry=fast, backoff_base=60.0, backoff_max=600.0))
    fleet.install()
    realm_id = fleet_world.realm("empty")
    fleet.connect(fleet_world.token(realm_id))
    broken = httpx.post(
        f"{fleet_world.url}/_emulator/faults",
        json={
            "realm": realm_id,
            "kind": "status",
            "status": 503,
            "match": {"path_prefix": "batch"},
        },
    )
    assert broken.status_code == 201, broken.text
    try:
        started = time.monotonic()
        await fleet.run_worker(concurrency=1, wait=False)  # returns: nothing left to run now
        assert time.monotonic() - started < 60  # the retry waits 60 s later, not in the worker
    finally:
        httpx.delete(f"{fleet_world.url}/_emulator/faults/{broken.json()['id']}")
    with fleet.mirror.transaction() as conn:
        realm = registry.get(conn, realm_id)
    assert realm is not None and realm.state == registry.BACKOFF and realm.failures == 1
    assert realm.next_attempt is not None and realm.next_attempt > registry.now()
    assert (realm.reason is not None and "503" in realm.reason) or "ServiceError" in str(
        realm.reason
    )
    assert await fleet.sweep() == 0  # not due yet
    async with fleet.app.open_async():
        later = await fleet.app.job_manager.list_jobs_async(task=SYNC, status="todo")
    assert [j.task_kwargs["realm_id"] for j in later] == [realm_id]
    assert later[0].scheduled_at is not None  # re-queued for after the backoff
    fleet.close()
