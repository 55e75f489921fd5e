"""Real worker processes on one PostgreSQL: convergence, one worker per realm, no 429,
a killed worker's job finished by another, one token refresh for three processes."""

from __future__ import annotations

import asyncio
import itertools
import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from qbo.sync import tables as t
from qbo.sync.fleet import Fleet, FleetSettings
from tests.sync.fleet.conftest import FleetWorld

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

DEADLINE = 240.0  # seconds a fleet may take to converge before the test fails


def worker_env(settings: FleetSettings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBO_")}
    env.update(
        QBO_FLEET_DATABASE=settings.database_url,
        QBO_CLIENT_ID=settings.client_id,
        QBO_CLIENT_SECRET=settings.client_secret,
        QBO_BASE_URL=settings.environment,
        QBO_FLEET_SCHEMA=settings.schema or "",
        QBO_TOKEN_KEY=os.environ["QBO_TOKEN_KEY"],
        QBO_FLEET_SWEEP_CRON=settings.sweep_cron,
        QBO_FLEET_RECOVER_CRON="* * * * * */2",
        QBO_FLEET_STALLED_AFTER=str(settings.stalled_after),
        QBO_FLEET_CONCURRENCY="4",
        **extra,
    )
    return env


class Workers:
    def __init__(self, settings: FleetSettings, logs: Path) -> None:
        self.settings = settings
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self, n: int = 1, **env: str) -> list[subprocess.Popen[bytes]]:
        started = []
        for _ in range(n):
            log = (self.logs / f"worker-{len(self.procs)}.log").open("wb")
            proc = subprocess.Popen(
                [sys.executable, "-m", "qbo.sync.fleet"],
                env=worker_env(self.settings, **env),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            self.procs.append(proc)
            started.append(proc)
        return started

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def workers(settings: FleetSettings, tmp_path: Path) -> Iterator[Workers]:
    group = Workers(settings, tmp_path)
    yield group
    group.stop()


def served_ids(fleet: Fleet, realm_id: str, entity: str) -> set[str]:
    async def read() -> set[str]:
        async with fleet.client(realm_id) as qb:
            ids: set[str] = set()
            async for page in qb.extract([entity]):
                ids |= {str(row["Id"]) for row in page.rows}
            return ids

    return asyncio.run(read())


def mirrored_ids(fleet: Fleet, realm_id: str, entity: str) -> set[str]:
    o = t.objects
    with fleet.mirror.transaction() as conn:
        rows = conn.execute(
            select(o.c.id).where(
                o.c.realm_id == realm_id, o.c.entity == entity, o.c.deleted.is_(False)
            )
        ).scalars()
        return set(rows)


def wait_until(check: object, what: str, deadline: float = DEADLINE, every: float = 1.0) -> None:
    end = time.monotonic() + deadline
    while not check():  # type: ignore[operator]
        assert time.monotonic() < end, f"not within {deadline:.0f} s: {what}"
        time.sleep(every)


def assert_no_overlap(fleet: Fleet) -> None:
    """From the job log: no realm was worked on by two jobs at overlapping times."""
    r = t.fleet_runs
    with fleet.mirror.transaction() as conn:
        runs = conn.execute(
            select(r.c.realm_id, r.c.started_ms, r.c.finished_ms, r.c.worker).order_by(
                r.c.realm_id, r.c.started_ms
            )
        ).all()
    by_realm: dict[str, list[tuple[int, int | None, str]]] = {}
    for realm_id, started, finished, worker in runs:
        by_realm.setdefault(realm_id, []).append((started, finished, worker))
    for realm_id, spans in by_realm.items():
        for (_, f1, w1), (s2, _, w2) in itertools.pairwise(spans):
            if f1 is None:
                continue  # a run of a killed worker: it never finished
            assert s2 >= f1, f"realm {realm_id}: {w1} until {f1}, {w2} from {s2}"


def test_three_workers_twenty_realms_converge(
    fleet_world: FleetWorld, settings: FleetSettings, workers: Workers
) -> None:
    fleet = Fleet(settings)
    fleet.install()
    throttled_before = fleet_world.counter.throttled
    realms = [fleet_world.realm("empty") for _ in range(20)]
    workers.start(3)
    for realm_id in realms:
        fleet.connect(fleet_world.token(realm_id))
    rng = random.Random(11)

    async def write() -> None:  # random writes while the fleet works
        for n in range(30):
            realm_id = rng.choice(realms)
            async with fleet.client(realm_id) as qb:
                await qb.customers.create({"DisplayName": f"Fleet customer {n}"})

    asyncio.run(write())

    def converged() -> bool:
        return all(
            mirrored_ids(fleet, r, "Customer") == served_ids(fleet, r, "Customer") for r in realms
        )

    wait_until(converged, "every realm's customers mirrored")
    for realm_id in realms[:3]:  # every entity, on a few
        for entity in ("Account", "TaxCode", "Term", "PaymentMethod"):
            assert mirrored_ids(fleet, realm_id, entity) == served_ids(fleet, realm_id, entity)
    assert_no_overlap(fleet)
    assert fleet_world.counter.throttled == throttled_before  # 0 answers 429
    with fleet.mirror.transaction() as conn:
        workers_seen = conn.execute(
            select(func.count(func.distinct(t.fleet_runs.c.worker)))
        ).scalar()
    assert workers_seen == 3
    fleet.close()


def all_mirrored(fleet: Fleet, realm_id: str) -> int:
    o = t.objects
    with fleet.mirror.transaction() as conn:
        found = conn.execute(
            select(func.count()).where(o.c.realm_id == realm_id, o.c.deleted.is_(False))
        ).scalar()
    return int(found or 0)


def test_a_killed_worker_leaves_a_job_another_finishes(
    fleet_world: FleetWorld, settings: FleetSettings, workers: Workers
) -> None:
    fleet = Fleet(settings)
    fleet.install()
    realm_id = fleet_world.realm("large:2000")
    # Pages of 20 rows: the load's ~100 pages take four batch requests (30 pages each),
    # and every batch request takes two seconds: a kill after the first rows lands with
    # batches still to come, however slow the machine.
    slow = httpx.post(
        f"{fleet_world.url}/_emulator/faults",
        json={
            "realm": realm_id,
            "kind": "latency",
            "latency_ms": 2000,
            "match": {"path_prefix": "batch"},
        },
    )
    assert slow.status_code == 201, slow.text
    (first,) = workers.start(1, QBO_FLEET_PAGE_SIZE="20")
    fleet.connect(fleet_world.token(realm_id))
    wait_until(lambda: all_mirrored(fleet, realm_id) > 0, "the load wrote a first page", every=0.1)
    first.kill()  # kill -9 in the middle of the load
    first.wait(10)
    part = all_mirrored(fleet, realm_id)
    httpx.delete(f"{fleet_world.url}/_emulator/faults/{slow.json()['id']}")
    workers.start(1, QBO_FLEET_PAGE_SIZE="20")
    expected = served_ids(fleet, realm_id, "Customer")
    wait_until(
        lambda: (
            mirrored_ids(fleet, realm_id, "Customer") == expected
            and mirrored_ids(fleet, realm_id, "Invoice") == served_ids(fleet, realm_id, "Invoice")
        ),
        "the second worker finished the load",
    )
    assert part < all_mirrored(fleet, realm_id), "the load had finished before the kill"
    c = t.changes
    with fleet.mirror.transaction() as conn:
        duplicates = conn.execute(
            select(c.c.entity, c.c.object_id, c.c.kind, c.c.sync_token, func.count())
            .where(c.c.realm_id == realm_id)
            .group_by(c.c.entity, c.c.object_id, c.c.kind, c.c.sync_token)
            .having(func.count() > 1)
        ).all()
    assert duplicates == []  # each object's creation is in the change feed once
    assert_no_overlap(fleet)
    fleet.close()


def _refresh_and_read(settings: FleetSettings, realm_id: str, at: float) -> str:
    fleet = Fleet(settings)
    time.sleep(max(0.0, at - time.time()))  # all three start together

    async def read() -> str:
        async with fleet.client(realm_id) as qb:
            return str((await qb.company_info()).CompanyName)

    return asyncio.run(read())


def test_three_processes_refresh_one_expired_token_once(
    fleet_world: FleetWorld, settings: FleetSettings
) -> None:
    fleet = Fleet(settings)
    fleet.install()
    realm_id = fleet_world.realm("empty")
    token = fleet_world.token(realm_id)
    fleet.connect(token)
    # The stored token is due (as if an hour had passed): every process must refresh it.
    fleet.token_store.save(replace(token, expires_at=datetime.now(UTC) - timedelta(minutes=1)))
    stats = f"{fleet_world.url}/_emulator/stats"
    before = httpx.get(stats).json()
    ctx = multiprocessing.get_context("spawn")
    start_at = time.time() + 3.0
    with ctx.Pool(3) as pool:
        names = pool.starmap(_refresh_and_read, [(settings, realm_id, start_at)] * 3)
    assert len(set(names)) == 1
    after = httpx.get(stats).json()
    grants = ("token_by_grant_type", "refresh_token")
    refreshes = after[grants[0]].get(grants[1], 0) - before[grants[0]].get(grants[1], 0)
    assert refreshes == 1
    fleet.close()
