"""Cheap fixtures for the emulator's tests (the 4-way ``api`` fixture lives in tests/conftest.py).

``local`` is a fresh empty realm on one in-memory SQLite emulator reached in-process: the
right tool for tests of behaviour that does not depend on the database or the transport.
``make_emulator`` opens a private emulator for tests that move its clock or configure it
(admin token), so they never disturb the shared ones.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from tests.conftest import Api

MakeEmulator = Callable[..., Emulator]


@pytest.fixture(scope="session")
def local_emulator() -> Iterator[Emulator]:
    emu = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    yield emu
    emu.close()


def client_for(
    emulator: Emulator, client: tuple[str, int] = ("127.0.0.1", 4321)
) -> httpx.AsyncClient:
    """An in-process client of the emulator's app (``client`` is the caller's address)."""
    transport = httpx.ASGITransport(app=create_app(emulator), client=client)
    return httpx.AsyncClient(transport=transport, base_url="http://emulator.test", timeout=30)


@pytest.fixture
async def local(local_emulator: Emulator) -> AsyncIterator[Api]:
    """A fresh empty realm on the shared in-memory SQLite emulator, in-process."""
    realm = local_emulator.realms.create("empty")
    async with client_for(local_emulator) as client:
        yield Api(client, local_emulator, realm.realm_id)


@pytest.fixture
async def db_api(emulator: Emulator) -> AsyncIterator[Api]:
    """A fresh empty realm on SQLite and on PostgreSQL, in-process only.

    For large tables of cases whose answer depends on the database (what it can store,
    how it compares) but not on the transport; the socket is covered by ``api`` tests.
    """
    realm = emulator.realms.create("empty")
    async with client_for(emulator) as client:
        yield Api(client, emulator, realm.realm_id)


@pytest.fixture
def make_emulator() -> Iterator[MakeEmulator]:
    """Open private in-memory emulators (closed at the end of the test)."""
    opened: list[Emulator] = []

    def make(**config: object) -> Emulator:
        settings: dict[str, object] = {"db": ":memory:", "seed": "empty", **config}
        emu = Emulator.open(EmulatorConfig(**settings))  # type: ignore[arg-type]
        opened.append(emu)
        return emu

    yield make
    for emu in opened:
        emu.close()
