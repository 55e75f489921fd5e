"""Fixtures for the sync engine: a private emulator, mirrors on SQLite and PostgreSQL.

The emulator is private to the sync tests (they move its clock) and reached in-process
through ``httpx.ASGITransport``; webhooks reach the mirror's inbox over a real loopback
socket. Each test gets a new realm and a new mirror: a SQLite file, or a PostgreSQL
schema of its own (dropped at the end).
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy
from sqlalchemy import select

from qbo.client import AsyncClient, RetryPolicy
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.schema import jsoncodec
from qbo.sync import Mirror, Syncer
from qbo.sync import tables as t
from tests.conftest import PG_URL
from tests.sync.world import World

FAST_RETRY = RetryPolicy(
    max_attempts=8, backoff_base=0.002, backoff_max=0.02, throttle_wait=0.01, seed=7
)
BASE = "http://emulator.test"


@pytest.fixture(scope="module")
def sync_emu() -> Iterator[Emulator]:
    emulator = Emulator.open(
        EmulatorConfig(
            db=":memory:",
            seed="empty",
            webhook_window=60.0,
            webhook_retry_factor=0.01,
            webhook_timeout=5.0,
        )
    )
    yield emulator
    from qbo.emulator.webhooks import webhooks_for

    webhooks_for(emulator).stop()
    emulator.close()


@pytest.fixture(params=["sqlite", "postgres"])
def mirror(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Mirror]:
    if request.param == "sqlite":
        opened = Mirror.open(f"sqlite:///{tmp_path / 'mirror.db'}")
        yield opened
        opened.close()
        return
    pg_schema = request.getfixturevalue("pg_schema")
    schema = f"{pg_schema}_m{secrets.token_hex(3)}"
    opened = Mirror.open(PG_URL, schema=schema)
    yield opened
    opened.close()
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@dataclass
class Env:
    """One test's realm, client, control-plane client and mirror."""

    emulator: Emulator
    app: Any
    realm: str
    qb: AsyncClient
    control: httpx.AsyncClient
    mirror: Mirror
    world: World
    opened: list[AsyncClient] = field(default_factory=list)

    def client(self, **options: Any) -> AsyncClient:
        settings: dict[str, Any] = {
            "environment": BASE,
            "transport": httpx.ASGITransport(app=self.app),
            "access_token": "emulator",
            "pacing": None,
            "retry": FAST_RETRY,
            "clock": self.emulator.clock.now,
        }
        settings.update(options)
        client = AsyncClient(self.realm, **settings)
        self.opened.append(client)
        return client

    def syncer(self, **options: Any) -> Syncer:
        return Syncer(self.mirror, self.qb, **options)

    async def emulator_objects(
        self, entities: list[str] | None = None
    ) -> dict[tuple[str, str], Any]:
        """Every object of the realm as QBO serves it (default: every queryable entity)."""
        found: dict[tuple[str, str], Any] = {}
        async for page in self.qb.extract(entities):
            assert page.error is None, page.error
            for row in page.rows:
                found[(page.entity, str(row["Id"]))] = row
        return found

    def mirror_objects(self, entities: list[str] | None = None) -> dict[tuple[str, str], Any]:
        o = t.objects
        query = select(o.c.entity, o.c.id, o.c.document).where(
            o.c.realm_id == self.realm, o.c.deleted.is_(False)
        )
        if entities is not None:
            query = query.where(o.c.entity.in_(entities))
        with self.mirror.transaction() as conn:
            rows = conn.execute(query).all()
        return {(r.entity, r.id): jsoncodec.loads(r.document) for r in rows}

    def tombstones(self) -> set[tuple[str, str]]:
        o = t.objects
        with self.mirror.transaction() as conn:
            rows = conn.execute(
                select(o.c.entity, o.c.id).where(o.c.realm_id == self.realm, o.c.deleted)
            ).all()
        return {(r.entity, r.id) for r in rows}

    def changes(self) -> list[tuple[str, str, str, int | None]]:
        c = t.changes
        with self.mirror.transaction() as conn:
            rows = conn.execute(
                select(c.c.entity, c.c.object_id, c.c.kind, c.c.sync_token)
                .where(c.c.realm_id == self.realm)
                .order_by(c.c.seq)
            ).all()
        return [(r.entity, r.object_id, r.kind, r.sync_token) for r in rows]

    async def assert_converged(self, entities: list[str] | None = None) -> None:
        """The mirror equals the emulator object for object; tombstones match deletions."""
        expected = await self.emulator_objects(entities)
        actual = self.mirror_objects(entities)
        assert set(actual) == set(expected)
        for key, document in expected.items():
            assert actual[key] == document, key
        tombstones = self.tombstones()
        assert not tombstones & set(expected)
        assert tombstones <= self.world.removed


@pytest.fixture
async def env(sync_emu: Emulator, mirror: Mirror) -> AsyncIterator[Env]:
    realm = sync_emu.realms.create("empty").realm_id
    app = create_app(sync_emu)
    control = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, client=("127.0.0.1", 5555)), base_url=BASE
    )
    e = Env(sync_emu, app, realm, None, control, mirror, None)  # type: ignore[arg-type]
    e.qb = e.client()
    e.world = World(e.qb, control)
    yield e
    for client in e.opened:
        await client.aclose()
    await control.aclose()
