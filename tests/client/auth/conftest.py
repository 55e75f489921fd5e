"""Fixtures for the client's OAuth tests: one emulator in OAuth mode on a real socket.

The emulator (SQLite file, ``auth=oauth``) is served by uvicorn on a loopback port for the
whole session; tests isolate themselves by registering their own app and company. Its
clock only moves forward, so every test gets its tokens after any earlier test's moves.

``Emu.connect`` gets a first token the way an app does: our authorization URL, the
emulator's auto-approved redirect, ``parse_redirect`` and the code exchange.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbo.client.auth import ClientCredentials, OAuthClient, Token, parse_redirect
from qbo.client.auth.oauth import ACCOUNTING, EMAIL, OPENID, PROFILE
from qbo.client.environment import Environment
from qbo.client.environment import emulator as emulator_environment
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.emulator.oauth import oauth_for
from tests.conftest import ServerThread

REDIRECT_URI = "http://127.0.0.1/callback"
SCOPES = (ACCOUNTING, OPENID, EMAIL, PROFILE)


@dataclass
class Emu:
    """The emulator, its URL and helpers to make apps, companies and tokens."""

    emulator: Emulator
    url: str
    http: httpx.Client

    @property
    def environment(self) -> Environment:
        return emulator_environment(self.url)

    def now(self) -> datetime:
        """The emulator's business time (clients in tests follow it)."""
        return self.emulator.clock.now()

    def advance(self, seconds: float) -> None:
        response = self.http.post("/_emulator/clock", json={"advance": seconds})
        assert response.status_code == 200, response.text

    def stats(self) -> dict[str, Any]:
        response = self.http.get("/_emulator/stats")
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    def reset_stats(self) -> None:
        assert self.http.post("/_emulator/stats/reset").status_code == 200

    def refreshes(self) -> int:
        return int(self.stats()["token_by_grant_type"].get("refresh_token", 0))

    def new_realm(self) -> str:
        response = self.http.post("/_emulator/realms", json={"seed": "empty"})
        assert response.status_code == 201, response.text
        realm: str = response.json()["realmId"]
        return realm

    def new_app(self, **fields: Any) -> dict[str, Any]:
        body = {"name": "client test app", "redirect_uris": [REDIRECT_URI], "auto_approve": True}
        response = self.http.post("/_emulator/apps", json={**body, **fields})
        assert response.status_code == 201, response.text
        app: dict[str, Any] = response.json()
        return app

    def credentials(self, app: dict[str, Any]) -> ClientCredentials:
        return ClientCredentials(app["client_id"], app["client_secret"], REDIRECT_URI)

    def oauth(self, app: dict[str, Any], **kwargs: Any) -> OAuthClient:
        kwargs.setdefault("clock", self.now)
        return OAuthClient(self.environment, self.credentials(app), **kwargs)

    def connect(self, oauth: OAuthClient, realm: str, scopes: tuple[str, ...] = SCOPES) -> Token:
        """A first token for ``realm``: authorize (auto-approved), check state, exchange."""
        request = oauth.authorization_url(scopes, extra={"realm_id": realm})
        response = self.http.get(request.url, follow_redirects=False)
        assert response.status_code == 302, response.text
        answer = parse_redirect(response.headers["location"], expected_state=request.state)
        assert answer.realm_id == realm
        return oauth.exchange_code(answer.code, realm_id=answer.realm_id, scope=request.scope)

    def company_url(self, realm: str) -> str:
        return f"{self.url}/v3/company/{realm}/companyinfo/{realm}"

    def successor(self, refresh_token: str) -> str:
        """The value the emulator rotates ``refresh_token`` to."""
        return oauth_for(self.emulator).grants.successor(refresh_token)


@pytest.fixture(scope="session")
def oauth_emu(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emu]:
    db = Path(tmp_path_factory.mktemp("client-auth")) / "emulator.db"
    emulator = Emulator.open(EmulatorConfig(db=str(db), seed="empty", auth=AuthMode.OAUTH))
    with ServerThread(create_app(emulator)) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield Emu(emulator, url, http)
    emulator.close()


@pytest.fixture
def token_key(monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh Fernet key in ``QBO_TOKEN_KEY``."""
    from qbo.client.auth import generate_key

    key = generate_key()
    monkeypatch.setenv("QBO_TOKEN_KEY", key)
    return key


def require_postgres() -> str:
    """The PostgreSQL URL, or skip (fail under QBO_REQUIRE_POSTGRES=1) when unreachable."""
    from tests.conftest import PG_URL, REQUIRE_PG, postgres_available

    why = postgres_available()
    if why is not None:
        if REQUIRE_PG:
            pytest.fail(f"{why} (QBO_REQUIRE_POSTGRES=1)")
        pytest.skip(why)
    return PG_URL


@pytest.fixture
def pg_schema_name() -> Iterator[tuple[str, str]]:
    """(PostgreSQL URL, a schema of this test's own), dropped at the end."""
    import secrets

    import sqlalchemy

    url = require_postgres()
    schema = f"qbo_client_auth_{os.getpid()}_{secrets.token_hex(3)}"
    yield url, schema
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()
