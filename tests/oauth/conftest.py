"""Fixtures for the OAuth tests: an emulator in OAuth mode and a client that speaks OAuth.

``oauth`` is a fresh emulator (SQLite in memory, ``auth=oauth``) reached in-process, so a
test may move its clock freely. ``oauth_both`` runs a test on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from tests.conftest import PG_URL

ACCOUNTING = "com.intuit.quickbooks.accounting"
REDIRECT = "https://app.example/callback"
TOKEN = "/oauth2/v1/tokens/bearer"
REVOKE = "/v2/oauth2/tokens/revoke"
AUTHORIZE = "/connect/oauth2"
USERINFO = "/v1/openid_connect/userinfo"
HOUR = 3600
DAY = 86400


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def query_of(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query, keep_blank_values=True).items()}


@dataclass
class RegisteredApp:
    client_id: str
    client_secret: str
    verifier_token: str
    raw: dict[str, Any] = field(repr=False)

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": basic(self.client_id, self.client_secret)}


@dataclass
class OAuthClient:
    """An httpx client on one emulator with helpers for the OAuth dance."""

    http: httpx.AsyncClient
    emulator: Emulator

    async def new_app(self, **fields: Any) -> RegisteredApp:
        body = {"name": "Test App", "redirect_uris": [REDIRECT], "auto_approve": True, **fields}
        response = await self.http.post("/_emulator/apps", json=body)
        assert response.status_code == 201, response.text
        data = response.json()
        return RegisteredApp(data["client_id"], data["client_secret"], data["verifier_token"], data)

    async def realm(self, name: str | None = None) -> str:
        body = {"seed": "empty"} if name is None else {"seed": "empty", "companyName": name}
        response = await self.http.post("/_emulator/realms", json=body)
        assert response.status_code == 201, response.text
        realm_id: str = response.json()["realmId"]
        return realm_id

    async def authorize(
        self, app: RegisteredApp, scope: str = ACCOUNTING, **params: str
    ) -> httpx.Response:
        query = {
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": scope,
            "state": "st-1",
            **params,
        }
        return await self.http.get(AUTHORIZE, params=query)

    async def code(
        self, app: RegisteredApp, scope: str = ACCOUNTING, **params: str
    ) -> dict[str, str]:
        """The redirect's parameters of an auto-approved authorization."""
        response = await self.authorize(app, scope, **params)
        assert response.status_code == 302, response.text
        return query_of(response.headers["location"])

    async def token(
        self, app: RegisteredApp | None, data: dict[str, str], **headers: str
    ) -> httpx.Response:
        merged = {**(app.auth if app is not None else {}), **headers}
        return await self.http.post(TOKEN, data=data, headers=merged)

    async def exchange(self, app: RegisteredApp, code: str, **headers: str) -> httpx.Response:
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
        return await self.token(app, data, **headers)

    async def connect(
        self, app: RegisteredApp, scope: str = ACCOUNTING, **params: str
    ) -> dict[str, Any]:
        """Tokens (plus ``realmId``) for an auto-approve app."""
        redirect = await self.code(app, scope, **params)
        response = await self.exchange(app, redirect["code"])
        assert response.status_code == 200, response.text
        tokens: dict[str, Any] = response.json()
        if "realmId" in redirect:
            tokens["realmId"] = redirect["realmId"]
        return tokens

    async def refresh(self, app: RegisteredApp, refresh_token: str) -> httpx.Response:
        return await self.token(
            app, {"grant_type": "refresh_token", "refresh_token": refresh_token}
        )

    async def revoke(self, app: RegisteredApp, token: str) -> httpx.Response:
        return await self.http.post(REVOKE, json={"token": token}, headers=app.auth)

    async def api(self, realm: str, access_token: str | None, rest: str = "") -> httpx.Response:
        headers = {} if access_token is None else {"Authorization": f"Bearer {access_token}"}
        path = rest or f"companyinfo/{realm}"
        return await self.http.get(f"/v3/company/{realm}/{path}", headers=headers)

    async def advance(self, seconds: float) -> None:
        response = await self.http.post("/_emulator/clock", json={"advance": seconds})
        assert response.status_code == 200, response.text


def oauth_config(db: str = ":memory:", **kw: Any) -> EmulatorConfig:
    return EmulatorConfig(db=db, seed="empty", auth=AuthMode.OAUTH, **kw)


async def _client(emulator: Emulator) -> AsyncIterator[OAuthClient]:
    transport = httpx.ASGITransport(app=create_app(emulator))
    async with httpx.AsyncClient(
        transport=transport, base_url="http://emulator.test", timeout=30
    ) as http:
        yield OAuthClient(http, emulator)


@pytest.fixture(scope="session")
def oauth_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    """One OAuth-mode emulator on an SQLite file for the session.

    Tests share it safely: each registers its own app, so its grants and tokens are its
    own, and each moves the clock only forward and only relative to its own tokens.
    A file rather than ``:memory:``: the in-memory database is one connection shared by
    all threads, which cannot take concurrent transactions (the racing tests need them).
    """
    emulator = Emulator.open(oauth_config(str(tmp_path_factory.mktemp("oauth") / "oauth.db")))
    yield emulator
    emulator.close()


@pytest.fixture(scope="session")
def oauth_postgres(pg_schema: str) -> Iterator[Emulator]:
    """The same on PostgreSQL, in the test session's schema."""
    emulator = Emulator.open(oauth_config(PG_URL, db_schema=pg_schema))
    yield emulator
    emulator.close()


@pytest.fixture
async def oauth(oauth_sqlite: Emulator) -> AsyncIterator[OAuthClient]:
    """A client of the session's SQLite OAuth emulator, in-process."""
    async for client in _client(oauth_sqlite):
        yield client


@pytest.fixture(params=["sqlite", "postgres"])
async def oauth_both(request: pytest.FixtureRequest) -> AsyncIterator[OAuthClient]:
    """Like ``oauth``, once on SQLite and once on PostgreSQL."""
    emulator: Emulator = request.getfixturevalue(f"oauth_{request.param}")
    async for client in _client(emulator):
        yield client


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Keep each test's call report on its item, so the browser fixture can tell a failure
    (and keep a screenshot)."""
    report = yield
    if report.when == "call":
        item.rep_call = report  # type: ignore[attr-defined]
    return report
