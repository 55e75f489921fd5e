"""The authorization-code flow in real headless Chromium against a real loopback socket.

Chromium is Debian's ``chromium`` package (Playwright's own download is not reachable).
The tests skip when it is missing, unless ``QBO_REQUIRE_BROWSER=1`` (CI), when they fail.
A failing test leaves a screenshot in ``test-artifacts/``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from qbo.emulator import Emulator, create_app
from qbo.emulator.oauth import DEFAULT_EMAIL, DEFAULT_PASSWORD
from tests.conftest import ServerThread
from tests.oauth.conftest import ACCOUNTING

pytestmark = pytest.mark.slow

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def base_url(oauth_sqlite: Emulator) -> Iterator[str]:
    with ServerThread(create_app(oauth_sqlite)) as url:
        yield url


@pytest.fixture
def page(browser: Any, request: pytest.FixtureRequest) -> Iterator[Any]:
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(15_000)
    yield tab
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        tab.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


async def _connected(request: Request) -> Response:
    return HTMLResponse("<h1>Connected</h1>")


@pytest.fixture(scope="module")
def callback(oauth_sqlite: Emulator) -> Iterator[str]:
    """The app's redirect_uri: a page of its own on another loopback port."""
    app = Starlette(routes=[Route("/callback", _connected)])
    with ServerThread(app) as url:
        yield f"{url}/callback"


def _setup(base_url: str, callback: str, company: str) -> tuple[dict[str, Any], str]:
    with httpx.Client(base_url=base_url) as http:
        app = http.post(
            "/_emulator/apps",
            json={"name": "Browser App", "redirect_uris": [callback]},
        ).json()
        realm = http.post("/_emulator/realms", json={"seed": "empty", "companyName": company})
    return app, realm.json()["realmId"]


def _authorize_url(base_url: str, app: dict[str, Any], callback: str, state: str) -> str:
    params = {
        "client_id": app["client_id"],
        "redirect_uri": callback,
        "response_type": "code",
        "scope": f"{ACCOUNTING} openid email",
        "state": state,
    }
    return f"{base_url}/connect/oauth2?{urlencode(params)}"


def _sign_in(page: Any) -> None:
    page.fill("#email", DEFAULT_EMAIL)
    page.fill("#password", "not the password")
    page.click("#signin")
    assert "Wrong e-mail or password" in page.inner_text("[role=alert]")
    page.fill("#password", DEFAULT_PASSWORD)
    page.click("#signin")
    page.wait_for_selector("#approve")


def test_sign_in_choose_a_company_and_connect(page: Any, base_url: str, callback: str) -> None:
    app, realm = _setup(base_url, callback, "Chromium Gardens")
    page.goto(_authorize_url(base_url, app, callback, "browser-state-1"))
    assert "Sign in to connect Browser App" in page.inner_text("h1")
    _sign_in(page)
    assert ACCOUNTING in page.inner_text("#scopes")
    page.check(f"input[name=realm][value='{realm}']")
    page.click("#approve")
    page.wait_for_url(f"{callback}**")
    assert page.inner_text("h1") == "Connected"
    redirect = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert redirect["state"] == "browser-state-1"
    assert redirect["realmId"] == realm
    with httpx.Client(base_url=base_url) as http:
        tokens = http.post(
            "/oauth2/v1/tokens/bearer",
            data={
                "grant_type": "authorization_code",
                "code": redirect["code"],
                "redirect_uri": callback,
            },
            auth=(app["client_id"], app["client_secret"]),
        ).json()
        assert "id_token" in tokens
        info = http.get(
            f"/v3/company/{realm}/companyinfo/{realm}",
            headers={"Authorization": f"Bearer {tokens['access_token']}"},
        )
        assert info.status_code == 200, info.text
        assert info.json()["CompanyInfo"]["CompanyName"] == "Chromium Gardens"


def test_create_a_company_then_cancel_another_time(page: Any, base_url: str, callback: str) -> None:
    app, _ = _setup(base_url, callback, "Unused Co")
    page.goto(_authorize_url(base_url, app, callback, "browser-state-2"))
    _sign_in(page)
    page.check("#realm-new")
    page.fill("#company-name", "Made In Chromium Ltd")
    page.click("#approve")
    page.wait_for_url(f"{callback}**")
    redirect = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    with httpx.Client(base_url=base_url) as http:
        realms = {r["realmId"]: r["companyName"] for r in http.get("/_emulator/realms").json()}
    assert realms[redirect["realmId"]] == "Made In Chromium Ltd"
    # Still signed in: the next authorization goes straight to consent; cancel it.
    page.goto(_authorize_url(base_url, app, callback, "browser-state-3"))
    page.click("#deny")
    page.wait_for_url(f"{callback}**")
    denied = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    assert denied["error"] == "access_denied" and denied["state"] == "browser-state-3"
