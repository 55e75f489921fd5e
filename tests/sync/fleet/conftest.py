"""Fixtures of the fleet tests: an OAuth emulator on a socket, realms with tokens, settings.

Workers are real processes (``python -m qbo.sync.fleet``) or, for quick checks, the same
code in this process. Everything of one test lives in a PostgreSQL schema of its own.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import sqlalchemy

from qbo.client.auth import ClientCredentials, OAuthClient, Token, generate_key, parse_redirect
from qbo.client.environment import emulator as emulator_environment
from qbo.client.pacing import PacingLimits
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.emulator.throttle import ThrottleSettings
from qbo.sync.fleet import FleetSettings
from qbo.testing import ServerThread
from tests.conftest import PG_URL

REDIRECT = "http://localhost/fleet-callback"


class Count429:
    """ASGI middleware: counts the 429 answers the emulator sends."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.throttled = 0
        self.responses = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        async def counting(message: Any) -> None:
            if message["type"] == "http.response.start":
                self.responses += 1
                if message["status"] == 429:
                    self.throttled += 1
            await send(message)

        await self.app(scope, receive, counting)


@dataclass
class FleetWorld:
    url: str
    counter: Count429
    emulator: Emulator
    app: dict[str, Any] = field(default_factory=dict)

    def realm(self, seed: str = "empty") -> str:
        made = httpx.post(f"{self.url}/_emulator/realms", json={"seed": seed}, timeout=120)
        assert made.status_code == 201, made.text
        return str(made.json()["realmId"])

    def token(self, realm_id: str) -> Token:
        credentials = ClientCredentials(self.app["client_id"], self.app["client_secret"], REDIRECT)
        oauth = OAuthClient(emulator_environment(self.url), credentials)
        request = oauth.authorization_url(extra={"realm_id": realm_id})
        answer = httpx.get(request.url, follow_redirects=False, timeout=30)
        code = parse_redirect(answer.headers["location"], expected_state=request.state)
        return oauth.exchange_code(code.code, realm_id=code.realm_id, scope=request.scope)


@pytest.fixture(scope="module")
def fleet_world() -> Iterator[FleetWorld]:
    emulator = Emulator.open(
        EmulatorConfig(
            db=":memory:",
            seed="empty",
            auth=AuthMode.OAUTH,
            throttle=ThrottleSettings(enabled=True),
        )
    )
    counter = Count429(create_app(emulator))
    with ServerThread(counter) as url:
        world = FleetWorld(url, counter, emulator)
        world.app = httpx.post(
            f"{url}/_emulator/apps",
            json={"name": "Fleet", "redirect_uris": [REDIRECT], "auto_approve": True},
        ).json()
        yield world
    emulator.close()


@pytest.fixture
def fleet_schema(pg_schema: str) -> Iterator[str]:
    schema = f"{pg_schema}_f{secrets.token_hex(3)}"
    yield schema
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture
def token_key(monkeypatch: pytest.MonkeyPatch) -> str:
    key = generate_key()
    monkeypatch.setenv("QBO_TOKEN_KEY", key)
    return key


@pytest.fixture
def settings(fleet_world: FleetWorld, fleet_schema: str, token_key: str) -> FleetSettings:
    return FleetSettings(
        database_url=PG_URL,
        client_id=fleet_world.app["client_id"],
        client_secret=fleet_world.app["client_secret"],
        environment=fleet_world.url,
        schema=fleet_schema,
        limits=PacingLimits(),
        sweep_cron="* * * * * */2",
        # Short, so a killed worker's jobs come back quickly, yet long enough that a live
        # worker on a loaded machine (its loop busy writing pages) is never taken for dead.
        stalled_after=10.0,
        backoff_base=0.5,
        backoff_max=2.0,
    )
