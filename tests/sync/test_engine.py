"""The sync engine against the emulator: load, CDC, reloads, caps, merges, deletions."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from qbo.client import AsyncClient
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.emulator.domain import crud
from qbo.schema import catalogue
from qbo.sync import Mirror, Progress, Syncer
from qbo.sync.status import realm_status
from tests.client.helpers import seed_customers, seed_names
from tests.sync.conftest import FAST_RETRY, Env

pytestmark = pytest.mark.anyio


async def test_initial_load_mirrors_everything_including_inactive_names(env: Env) -> None:
    w = env.world
    for entity in ("Customer", "Vendor", "Item", "Invoice", "Bill", "JournalEntry"):
        await w.create(entity)
    await w.remove("Customer", w.ids("Customer")[0])  # inactive: a plain query misses it
    reports: list[Progress] = []

    report = await env.syncer(on_progress=reports.append).run_once()

    assert report.ok, report
    assert report.changes["created"] == len(await env.emulator_objects())
    await env.assert_converged()
    customer = env.mirror_objects()[("Customer", w.ids("Customer")[0])]
    assert customer["Active"] is False
    done = {p.entity for p in reports if p.done}
    assert {"Customer", "Invoice", "TaxCode"} <= done
    # count batch + page batches (38 entity types: 2 of each) + one CDC catch-up
    assert report.requests <= 6


async def test_incremental_pass_applies_creates_updates_deletes_and_voids(env: Env) -> None:
    w = env.world
    invoice = await w.create("Invoice")
    doomed = await w.create("Bill")
    syncer = env.syncer()
    await syncer.run_once()
    env.emulator.clock.advance(3)

    await w.sparse_update("Invoice", invoice)
    await w.void("Invoice", invoice)
    await w.remove("Bill", doomed)
    vendor = await w.create("Vendor")
    env.emulator.clock.advance(3)
    report = await syncer.run_once()

    assert report.ok, report
    await env.assert_converged()
    assert ("Bill", doomed) in env.tombstones()
    kinds = [(e, i, k) for e, i, k, _ in env.changes()]
    assert ("Bill", doomed, "deleted") in kinds
    assert ("Vendor", vendor, "created") in kinds
    assert kinds.count(("Invoice", invoice, "updated")) == 1  # newest version only
    again = await syncer.run_once()
    assert sum(again.changes.values()) == 0  # overlap re-read, nothing applied twice


@pytest.mark.slow
@pytest.mark.parametrize("mirror", ["sqlite"], indirect=True)  # the path is the same on both
async def test_more_than_1000_changes_between_passes(env: Env) -> None:
    syncer = env.syncer()
    await syncer.run_once()
    env.emulator.clock.advance(2)
    seed_customers(env.emulator, env.realm, 700, prefix="Early")
    env.emulator.clock.advance(2)
    seed_customers(env.emulator, env.realm, 600, prefix="Late")
    env.emulator.clock.advance(2)

    report = await syncer.run_once()

    assert report.ok, report
    assert report.changes["created"] >= 1300
    await env.assert_converged()


@pytest.mark.slow
@pytest.mark.parametrize("mirror", ["sqlite"], indirect=True)  # the path is the same on both
async def test_over_1000_changes_at_one_instant_are_read_by_query(env: Env) -> None:
    # A bulk import: CDC returns the oldest 1000 and cannot page past one instant.
    syncer = env.syncer()
    await syncer.run_once()
    env.emulator.clock.advance(2)
    seed_names(env.emulator, env.realm, {"Customer": 1100}, prefix="Import")
    doomed = await env.world.create("Invoice")
    await syncer.run_once()
    await env.world.remove("Invoice", doomed)
    env.emulator.clock.advance(2)

    report = await syncer.run_once()

    assert report.ok, report
    await env.assert_converged()
    assert ("Invoice", doomed) in env.tombstones()
    customer = next(
        s for s in realm_status(env.mirror, env.realm).entities if s.entity == "Customer"
    )
    assert customer.note is not None and "read by query" in customer.note


async def test_a_cursor_older_than_30_days_reloads_and_says_so(env: Env) -> None:
    w = env.world
    kept = await w.create("Invoice")
    doomed = await w.create("Invoice")
    syncer = env.syncer()
    await syncer.run_once()
    await w.remove("Invoice", doomed)
    await w.sparse_update("Invoice", kept)
    env.emulator.clock.advance(timedelta(days=31).total_seconds())

    report = await syncer.run_once()

    assert "Invoice" in report.reloaded and report.ok, report
    await env.assert_converged()
    assert ("Invoice", doomed) in env.tombstones()
    status = realm_status(env.mirror, env.realm)
    invoice = next(s for s in status.entities if s.entity == "Invoice")
    assert invoice.note is not None and "30 days" in invoice.note


async def test_a_merge_tombstones_the_merged_away_name(env: Env) -> None:
    w = env.world
    keep = await w.create("Customer")
    gone = await w.create("Customer")
    await w.create("Invoice")  # of the first customer made... which is `keep`
    syncer = env.syncer()
    await syncer.run_once()
    env.emulator.clock.advance(2)

    await w.merge("Customer", gone, keep)
    env.emulator.clock.advance(2)
    report = await syncer.run_once()

    assert report.ok, report
    assert ("Customer", gone) in env.tombstones()
    await env.assert_converged()


async def test_entities_cdc_leaves_out_are_refreshed_and_their_deletions_found(env: Env) -> None:
    # TimeActivity is not available through CDC: read in full each pass, Ids compared.
    employee = await env.world.create("Employee")
    body = {"NameOf": "Employee", "EmployeeRef": {"value": employee}, "Hours": 2, "Minutes": 0}
    activity = await env.qb.time_activities.create(body)
    syncer = env.syncer()
    await syncer.run_once()
    assert ("TimeActivity", activity.Id) in env.mirror_objects()

    await env.qb.time_activities.delete(activity)
    env.world.removed.add(("TimeActivity", str(activity.Id)))
    report = await syncer.run_once()

    assert report.ok, report
    assert ("TimeActivity", activity.Id) in env.tombstones()
    await env.assert_converged()


async def test_a_revoked_connection_stops_the_realm_with_a_clear_status(mirror: Mirror) -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", auth=AuthMode.OAUTH))
    try:
        realm = emulator.realms.list()[0].realm_id if emulator.realms.list() else None
        realm = realm or emulator.realms.create("empty").realm_id
        async with AsyncClient(
            realm,
            environment="http://emulator.test",
            transport=httpx.ASGITransport(app=create_app(emulator)),
            access_token="revoked-token",
            pacing=None,
            retry=FAST_RETRY,
        ) as refused:
            report = await Syncer(mirror, refused).run_once()
            again = await Syncer(mirror, refused).run_once()  # no crash loop: same answer
    finally:
        emulator.close()
    assert report.stopped is not None and "AuthenticationError" in report.stopped
    assert again.stopped is not None
    status = realm_status(mirror, realm)
    assert status.state == "stopped" and status.last_error == again.stopped


@pytest.mark.parametrize("mirror", ["sqlite"], indirect=True)  # the path is the same on both
async def test_a_deletion_during_the_load_passes_no_row_over(env: Env) -> None:
    # 40 invoices, one per page: the first /batch holds 30 pages. A deletion while it is
    # written shifts every later position by one, so page 31 starts one row too far.
    ids = [await env.world.create("Invoice") for _ in range(40)]
    env.emulator.clock.advance(600)  # older than the CDC catch-up's overlap: CDC skips them
    realm = env.emulator.realms.get(env.realm)
    assert realm is not None

    def delete_the_first(progress: Progress) -> None:
        if progress.entity == "Invoice" and progress.objects == 3:
            with env.emulator.realms.session(realm, write=True) as s:
                crud.delete(s, catalogue().entities["Invoice"], {"Id": ids[0], "SyncToken": "0"})
            env.world.removed.add(("Invoice", ids[0]))

    syncer = env.syncer(entities=["Invoice"], page_size=1, on_progress=delete_the_first)
    report = await syncer.run_once()

    assert report.ok, report
    await env.assert_converged(["Invoice"])
    assert ("Invoice", ids[0]) in env.tombstones()
