"""Fixtures for the client's tests: a real emulator, reached in-process or over a socket.

``emu`` is one in-memory SQLite emulator for the whole session (tests isolate by realm).
``stack`` gives a test its own ASGI app (so fault rules and throttle settings never leak
between tests), a fresh empty realm, and factories for async clients (in-process through
``httpx.ASGITransport``) plus a control-plane client. ``socket_url`` serves one app over
a real loopback socket for the sync client and the socket variants.

Client defaults in tests: pacing off (each pacing test sets its own), and a seeded retry
policy with millisecond waits, so retries are exact and fast.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from qbo.client import AsyncClient, Client, RetryPolicy
from qbo.client.environment import emulator as emulator_environment
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.store.session import Realm
from qbo.schema import jsoncodec
from tests.conftest import ServerThread

FAST_RETRY = RetryPolicy(
    max_attempts=8, backoff_base=0.002, backoff_max=0.02, throttle_wait=0.01, seed=7
)


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    yield emulator
    emulator.close()


@pytest.fixture(scope="session")
def socket_url(emu: Emulator) -> Iterator[str]:
    with ServerThread(create_app(emu)) as url:
        yield url


@dataclass
class Stack:
    """One test's emulator app, realm and client factories."""

    emulator: Emulator
    app: Any
    realm: str
    base_url: str = "http://emulator.test"
    opened: list[AsyncClient] = field(default_factory=list)
    http_clients: list[httpx.AsyncClient] = field(default_factory=list)

    def client(self, **options: Any) -> AsyncClient:
        """An async client of this realm, in-process (options override the test defaults)."""
        settings: dict[str, Any] = {
            "environment": emulator_environment(self.base_url),
            "transport": httpx.ASGITransport(app=self.app),
            "pacing": None,
            "retry": FAST_RETRY,
        }
        settings.update(options)
        client = AsyncClient(self.realm, **settings)
        self.opened.append(client)
        return client

    def recording_client(self, **options: Any) -> tuple[AsyncClient, list[httpx.Request]]:
        """A client whose every HTTP request (URL with query, headers, body) is recorded."""
        sent: list[httpx.Request] = []

        async def record(request: httpx.Request) -> None:
            sent.append(request)

        http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), event_hooks={"request": [record]}
        )
        self.http_clients.append(http)
        return self.client(http_client=http, transport=None, **options), sent

    def control(self) -> httpx.AsyncClient:
        """A plain HTTP client of the same app, for ``/_emulator`` calls."""
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.app), base_url=self.base_url
        )

    async def add_fault(self, **rule: Any) -> dict[str, Any]:
        async with self.control() as http:
            response = await http.post("/_emulator/faults", content=jsoncodec.dumps(rule))
            assert response.status_code == 201, response.text
            created: dict[str, Any] = response.json()
            return created

    async def faults(self) -> list[dict[str, Any]]:
        async with self.control() as http:
            response = await http.get("/_emulator/faults")
            assert response.status_code == 200, response.text
            data = response.json()
            return list(data["faults"] if isinstance(data, dict) else data)

    async def throttle(self, **settings: Any) -> None:
        async with self.control() as http:
            response = await http.post("/_emulator/throttle", content=jsoncodec.dumps(settings))
            assert response.status_code == 200, response.text

    def realm_object(self) -> Realm:
        realm = self.emulator.realms.get(self.realm)
        assert realm is not None
        return realm


@pytest.fixture
async def stack(emu: Emulator) -> AsyncIterator[Stack]:
    realm = emu.realms.create("empty")
    s = Stack(emu, create_app(emu), realm.realm_id)
    yield s
    emu.reset_conditions()  # fault rules and throttle settings belong to the shared emulator
    for client in s.opened:
        await client.aclose()
    for http in s.http_clients:
        await http.aclose()


@pytest.fixture
async def qb(stack: Stack) -> AsyncClient:
    """An async client of a fresh realm, in-process."""
    return stack.client()


@pytest.fixture
def sync_qb(emu: Emulator, socket_url: str) -> Iterator[Client]:
    """A sync client of a fresh realm, over a real socket."""
    realm = emu.realms.create("empty")
    with Client(
        realm.realm_id,
        environment=emulator_environment(socket_url),
        pacing=None,
        retry=FAST_RETRY,
    ) as client:
        yield client
