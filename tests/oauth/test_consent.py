"""The authorize endpoint over plain HTTP (the browser test clicks through the same pages):
sign-in, company choice, consent, and which errors are shown versus redirected."""

from __future__ import annotations

import re

import httpx
import pytest

from qbo.emulator.oauth import DEFAULT_EMAIL, DEFAULT_PASSWORD
from tests.oauth.conftest import (
    ACCOUNTING,
    AUTHORIZE,
    REDIRECT,
    OAuthClient,
    RegisteredApp,
    query_of,
)

pytestmark = pytest.mark.anyio

CSRF = re.compile(r"name='csrf_token' value='([^']+)'")


def csrf_of(page: httpx.Response) -> str:
    match = CSRF.search(page.text)
    assert match, page.text
    return match.group(1)


def auth_params(app: RegisteredApp, **extra: str) -> dict[str, str]:
    return {
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": f"{ACCOUNTING} openid",
        "state": "consent-state",
        **extra,
    }


async def signed_in(oauth: OAuthClient, app: RegisteredApp, **extra: str) -> httpx.Response:
    """Sign in as the default user; answers the consent page."""
    params = auth_params(app, **extra)
    page = await oauth.http.get(AUTHORIZE, params=params)
    assert page.status_code == 200 and "Sign in" in page.text
    form = {**params, "csrf_token": csrf_of(page), "action": "signin"}
    wrong = await oauth.http.post(
        AUTHORIZE, data={**form, "email": DEFAULT_EMAIL, "password": "nope"}
    )
    assert wrong.status_code == 200 and "Wrong e-mail or password" in wrong.text
    done = await oauth.http.post(
        AUTHORIZE, data={**form, "email": DEFAULT_EMAIL, "password": DEFAULT_PASSWORD}
    )
    assert done.status_code == 303
    consent = await oauth.http.get(done.headers["location"])
    assert consent.status_code == 200 and "Connect" in consent.text, consent.text
    return consent


async def test_sign_in_pick_a_company_and_consent(oauth: OAuthClient) -> None:
    app = await oauth.new_app(name="Consenting App", auto_approve=False)
    first, second = await oauth.realm("First Co"), await oauth.realm("Second Co")
    consent = await signed_in(oauth, app, realm_id=second)
    assert "Second Co" in consent.text and "First Co" in consent.text
    assert ACCOUNTING in consent.text and "Consenting App" in consent.text
    assert re.search(rf"value='{second}' checked", consent.text)  # realm_id preselects
    form = {**auth_params(app), "csrf_token": csrf_of(consent), "action": "approve", "realm": first}
    approved = await oauth.http.post(AUTHORIZE, data=form)
    assert approved.status_code == 303
    assert approved.headers["location"].startswith(REDIRECT + "?")
    redirect = query_of(approved.headers["location"])
    assert redirect["state"] == "consent-state" and redirect["realmId"] == first
    tokens = (await oauth.exchange(app, redirect["code"])).json()
    assert (await oauth.api(first, tokens["access_token"])).status_code == 200
    assert (await oauth.api(second, tokens["access_token"])).status_code == 403


async def test_consent_can_create_a_company(oauth: OAuthClient) -> None:
    app = await oauth.new_app(auto_approve=False)
    consent = await signed_in(oauth, app)
    base = {**auth_params(app), "csrf_token": csrf_of(consent), "action": "approve"}
    unnamed = await oauth.http.post(AUTHORIZE, data={**base, "realm": "new", "company_name": " "})
    assert unnamed.status_code == 200 and "Name the new company" in unnamed.text
    created = await oauth.http.post(
        AUTHORIZE, data={**base, "realm": "new", "company_name": "Brand New Gardens"}
    )
    redirect = query_of(created.headers["location"])
    realms = {r["realmId"]: r for r in (await oauth.http.get("/_emulator/realms")).json()}
    assert realms[redirect["realmId"]]["companyName"] == "Brand New Gardens"
    unknown = await oauth.http.post(AUTHORIZE, data={**base, "realm": "999"})
    assert unknown.status_code == 200 and "Choose a company" in unknown.text


async def test_deny_and_sign_out(oauth: OAuthClient) -> None:
    app = await oauth.new_app(auto_approve=False)
    consent = await signed_in(oauth, app)
    base = {**auth_params(app), "csrf_token": csrf_of(consent)}
    denied = await oauth.http.post(AUTHORIZE, data={**base, "action": "deny"})
    redirect = query_of(denied.headers["location"])
    assert redirect["error"] == "access_denied" and redirect["state"] == "consent-state"
    assert "code" not in redirect
    out = await oauth.http.post(AUTHORIZE, data={**base, "action": "signout"})
    assert out.status_code == 303
    page = await oauth.http.get(out.headers["location"])
    assert "Sign in" in page.text
    # The old CSRF token died with the old session.
    stale = await oauth.http.post(AUTHORIZE, data={**base, "action": "approve", "realm": "x"})
    assert stale.status_code == 403


async def test_untrustworthy_redirects_are_shown_not_followed(oauth: OAuthClient) -> None:
    app = await oauth.new_app(auto_approve=True)
    cases = [
        auth_params(app, client_id="ABunknown"),
        auth_params(app, redirect_uri="https://evil.example/callback"),
        auth_params(app, redirect_uri=REDIRECT + "/"),
        {k: v for k, v in auth_params(app).items() if k != "redirect_uri"},
        {k: v for k, v in auth_params(app).items() if k != "client_id"},
    ]
    for params in cases:
        response = await oauth.http.get(AUTHORIZE, params=params)
        assert response.status_code == 400, params
        assert "location" not in response.headers
        assert response.headers["content-type"].startswith("text/html")
        assert "evil.example" not in response.text or "not one of" in response.text


async def test_other_errors_go_back_to_the_app(oauth: OAuthClient) -> None:
    app = await oauth.new_app(scopes=[ACCOUNTING, "openid"])
    for params, error in (
        (auth_params(app, response_type="token"), "unsupported_response_type"),
        (auth_params(app, scope=""), "invalid_scope"),
        (auth_params(app, scope="openid phone"), "invalid_scope"),
        (auth_params(app, scope="com.intuit.made.up"), "invalid_scope"),
        (auth_params(app, realm_id="42"), "invalid_request"),
    ):
        response = await oauth.http.get(AUTHORIZE, params=params)
        assert response.status_code == 302, (params, response.text)
        redirect = query_of(response.headers["location"])
        assert redirect["error"] == error and redirect["state"] == "consent-state"
        assert "code" not in redirect
    doubled = await oauth.http.get(
        AUTHORIZE, params=[*auth_params(app).items(), ("scope", "openid")]
    )
    assert query_of(doubled.headers["location"])["error"] == "invalid_request"


async def test_auto_approve_connects_the_given_or_first_realm(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    realms = [r["realmId"] for r in (await oauth.http.get("/_emulator/realms")).json()]
    other = await oauth.realm()
    assert (await oauth.code(app))["realmId"] == realms[0]
    assert (await oauth.code(app, realm_id=other))["realmId"] == other


async def test_without_auto_approve_the_page_is_shown(oauth: OAuthClient) -> None:
    app = await oauth.new_app(auto_approve=False)
    assert app.raw["auto_approve"] is False
    default = await oauth.http.post(
        "/_emulator/apps", json={"name": "Default", "redirect_uris": [REDIRECT]}
    )
    assert default.json()["auto_approve"] is False  # off unless asked for
    page = await oauth.authorize(app)
    assert page.status_code == 200 and "Sign in" in page.text
