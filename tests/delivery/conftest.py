"""Fixtures for the outbound features: private emulators, a real webhook receiver, apps.

``Receiver`` is a small Starlette app served by uvicorn on a loopback port in a thread: it
records every request (headers and raw body) and answers from a script of statuses
(200 once the script is used up), optionally after a delay. ``connect`` registers an app
with a webhook endpoint and connects a realm to it through the emulator's real OAuth
flow (authorize with auto-approve, then the code exchange), as a user would.
"""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import sqlalchemy
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.testing import loopback_socket
from tests.conftest import PG_URL

REDIRECT_URI = "http://localhost/callback"


def client_for(emulator: Emulator) -> httpx.AsyncClient:
    """An in-process client of the emulator's app, calling from a loopback address."""
    transport = httpx.ASGITransport(app=create_app(emulator), client=("127.0.0.1", 5555))
    return httpx.AsyncClient(transport=transport, base_url="http://emulator.test", timeout=30)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook endpoint on a real loopback socket."""

    port: int
    received: list[Received] = field(default_factory=list)
    script: deque[tuple[int, float]] = field(default_factory=deque)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def answer(self, *steps: int | tuple[int, float]) -> None:
        """Statuses (or (status, delay seconds)) for the next requests, in order."""
        for step in steps:
            self.script.append(step if isinstance(step, tuple) else (step, 0.0))

    async def _hook(self, request: Request) -> Response:
        body = await request.body()
        with self._lock:
            self.received.append(Received({k.lower(): v for k, v in request.headers.items()}, body))
            status, delay = self.script.popleft() if self.script else (200, 0.0)
        if delay:
            await asyncio.sleep(delay)
        return Response("ok", status)

    def start(self) -> None:
        app = Starlette(routes=[Route("/hook", self._hook, methods=["POST"])])
        sock = loopback_socket(self.port)
        self._server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "receiver did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(10)
        self._server = None
        self._thread = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A started receiver."""
    rec = Receiver(free_port())
    rec.start()
    yield rec
    rec.stop()


@pytest.fixture
def idle_receiver() -> Iterator[Receiver]:
    """A receiver whose port is known but that is not listening yet (``start`` it later)."""
    rec = Receiver(free_port())
    yield rec
    rec.stop()


MakeEmulator = Callable[..., Emulator]


@pytest.fixture
def make_emulator() -> Iterator[MakeEmulator]:
    """Open private emulators (in-memory SQLite unless ``db`` says otherwise).

    Their webhook dispatchers are stopped and the emulators closed at the end.
    """
    opened: list[Emulator] = []

    def make(**config: Any) -> Emulator:
        settings: dict[str, Any] = {"db": ":memory:", "seed": "empty", **config}
        emu = Emulator.open(EmulatorConfig(**settings))
        opened.append(emu)
        return emu

    yield make
    from qbo.emulator.webhooks import webhooks_for

    for emu in opened:
        webhooks_for(emu).stop()
        emu.close()


@pytest.fixture
def pg_outbound_url(pg_schema: str) -> Iterator[tuple[str, str]]:
    """A PostgreSQL schema of this test's own: (url, schema), dropped at the end."""
    schema = f"{pg_schema}_out_{secrets.token_hex(3)}"
    yield PG_URL, schema
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@dataclass(frozen=True)
class ConnectedApp:
    client_id: str
    verifier_token: str
    realm_id: str


async def register_app(
    client: httpx.AsyncClient, webhook_url: str, webhook_format: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": "webhook test app",
        "redirect_uris": [REDIRECT_URI],
        "auto_approve": True,
        "webhook_url": webhook_url,
    }
    if webhook_format is not None:
        body["webhook_format"] = webhook_format
    response = await client.post("/_emulator/apps", json=body)
    assert response.status_code == 201, response.text
    app: dict[str, Any] = response.json()
    return app


async def connect_realm(client: httpx.AsyncClient, app: dict[str, Any], realm_id: str) -> None:
    """Authorize (auto-approved) and exchange the code: the realm is now connected."""
    response = await client.get(
        "/connect/oauth2",
        params={
            "client_id": app["client_id"],
            "response_type": "code",
            "scope": "com.intuit.quickbooks.accounting",
            "redirect_uri": REDIRECT_URI,
            "state": "xyz",
            "realm_id": realm_id,
        },
    )
    assert response.status_code in (302, 303), response.text
    query = parse_qs(urlsplit(response.headers["location"]).query)
    assert query["realmId"] == [realm_id]
    basic = base64.b64encode(f"{app['client_id']}:{app['client_secret']}".encode()).decode()
    token = await client.post(
        "/oauth2/v1/tokens/bearer",
        data={
            "grant_type": "authorization_code",
            "code": query["code"][0],
            "redirect_uri": REDIRECT_URI,
        },
        headers={"Authorization": f"Basic {basic}"},
    )
    assert token.status_code == 200, token.text


Connect = Callable[..., Awaitable[ConnectedApp]]


async def connect(
    client: httpx.AsyncClient, realm_id: str, webhook_url: str, webhook_format: str | None = None
) -> ConnectedApp:
    app = await register_app(client, webhook_url, webhook_format)
    await connect_realm(client, app, realm_id)
    return ConnectedApp(app["client_id"], app["verifier_token"], realm_id)


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until ``check`` holds (polling), failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


@pytest.fixture
async def emulator_client(
    make_emulator: MakeEmulator,
) -> AsyncIterator[tuple[Emulator, httpx.AsyncClient]]:
    """A private in-memory emulator (window 60 s: passes must be forced) and its client."""
    emu = make_emulator(webhook_window=60.0, webhook_retry_factor=0.01, webhook_timeout=1.0)
    async with client_for(emu) as client:
        yield emu, client
