"""Security properties: CSRF on the consent form, constant-time checks, no secret in any log
or error, ``state`` untouched, credentials with enough entropy and stored only as hashes."""

from __future__ import annotations

import base64
import logging
import re
import statistics
import time
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from qbo.emulator import create_app
from qbo.emulator.oauth import DEFAULT_EMAIL, DEFAULT_PASSWORD, crypto, oauth_for
from qbo.emulator.oauth.browser_session import COOKIE
from tests.oauth.conftest import AUTHORIZE, REDIRECT, USERINFO, OAuthClient, query_of
from tests.oauth.conftest import TOKEN as TOKEN_PATH
from tests.oauth.test_consent import auth_params, csrf_of, signed_in

pytestmark = pytest.mark.anyio


# -- CSRF --------------------------------------------------------------------------------


async def test_consent_posts_without_the_right_csrf_token_are_refused(oauth: OAuthClient) -> None:
    app = await oauth.new_app(auto_approve=False)
    consent = await signed_in(oauth, app)
    token = csrf_of(consent)
    realm = (await oauth.http.get("/_emulator/realms")).json()[0]["realmId"]
    approve = {**auth_params(app), "action": "approve", "realm": realm}
    grants_before = _count(oauth, "oauth_grants")

    # Another browser's session and token (a cross-site attacker has one of their own).
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=create_app(oauth.emulator)),
        base_url="http://emulator.test",
    ) as attacker:
        page = await attacker.get(AUTHORIZE, params=auth_params(app))
        attacker_token = csrf_of(page)
    cookie = oauth.http.cookies[COOKIE]
    body, signature = cookie.split(".")
    tampered = (
        crypto.b64url(crypto.unb64url(body).replace(b'"csrf":"', b'"csrf":"x')) + "." + signature
    )

    refusals = [
        (approve, None),  # no token at all
        ({**approve, "csrf_token": ""}, None),
        ({**approve, "csrf_token": token[:-1] + ("A" if token[-1] != "A" else "B")}, None),
        ({**approve, "csrf_token": attacker_token}, None),
        ({**approve, "csrf_token": token}, {}),  # right token, no session cookie
        ({**approve, "csrf_token": token}, {COOKIE: tampered}),
    ]
    for form, cookies in refusals:
        client = oauth.http
        if cookies is not None:
            saved = dict(client.cookies)
            client.cookies.clear()
            client.cookies.update(cookies)
        response = await client.post(AUTHORIZE, data=form)
        if cookies is not None:
            client.cookies.clear()
            client.cookies.update(saved)
        assert response.status_code == 403, (form.get("csrf_token"), cookies)
        assert "location" not in response.headers
    sign_in_without_token = await oauth.http.post(
        AUTHORIZE,
        data={
            **auth_params(app),
            "action": "signin",
            "email": DEFAULT_EMAIL,
            "password": DEFAULT_PASSWORD,
        },
    )
    assert sign_in_without_token.status_code == 403
    assert _count(oauth, "oauth_grants") == grants_before  # nothing was granted
    ok = await oauth.http.post(AUTHORIZE, data={**approve, "csrf_token": token})
    assert ok.status_code == 303 and "code" in query_of(ok.headers["location"])


def _count(oauth: OAuthClient, table: str) -> int:
    from sqlalchemy import func

    server = oauth_for(oauth.emulator)
    t = server.store.tables.metadata.tables[table]
    with server.store.read() as conn:
        return int(conn.execute(select(func.count()).select_from(t)).scalar_one())


async def test_pages_are_hardened(oauth: OAuthClient) -> None:
    app = await oauth.new_app(name="<script>alert(1)</script>", auto_approve=False)
    page = await oauth.authorize(app)
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert page.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    set_cookie = page.headers["set-cookie"].lower()
    assert "httponly" in set_cookie and "samesite=lax" in set_cookie


# -- constant time --------------------------------------------------------------------------


def test_client_secret_checks_compare_in_constant_time_even_for_unknown_clients(
    monkeypatch: pytest.MonkeyPatch, oauth_sqlite: Any
) -> None:
    """Every outcome goes through one ``hmac.compare_digest`` of equal-length hashes."""
    import hmac

    calls: list[tuple[int, int]] = []
    real = hmac.compare_digest

    def recording(a: bytes, b: bytes) -> bool:
        calls.append((len(a), len(b)))
        return real(a, b)

    monkeypatch.setattr(crypto.hmac, "compare_digest", recording)
    server = oauth_for(oauth_sqlite)
    created = server.apps.create({"name": "timing", "redirect_uris": [REDIRECT]})
    client_id, secret = created["client_id"], created["client_secret"]
    outcomes = []
    for cid, given in (
        (client_id, secret),
        (client_id, secret[:-1] + "x"),
        (client_id, "x"),
        (client_id, secret + "x" * 1000),
        ("ABnobody", secret),
    ):
        calls.clear()
        try:
            server.apps.authenticate(cid, given)
            outcomes.append("ok")
        except Exception:
            outcomes.append("refused")
        assert calls == [(64, 64)], (cid, calls)
    assert outcomes == ["ok", "refused", "refused", "refused", "refused"]


def test_a_wrong_email_costs_as_much_as_a_wrong_password(oauth_sqlite: Any) -> None:
    """The password hash is checked even when the e-mail is unknown (scrypt dominates)."""
    users = oauth_for(oauth_sqlite).users
    users.authenticate("warm-up@example.com", "x")

    def median(email: str) -> float:
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert users.authenticate(email, "not the password") is None
            times.append(time.perf_counter() - started)
        return statistics.median(times)

    known, unknown = median(DEFAULT_EMAIL), median("nobody@example.com")
    assert 0.4 < unknown / known < 2.5, (known, unknown)
    assert known > 0.005  # a real key-derivation function, not a fast hash


# -- secrets stay secret ---------------------------------------------------------------------


async def test_no_secret_in_any_log_line_or_error(
    oauth: OAuthClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    app = await oauth.new_app(auto_approve=False)
    consent = await signed_in(oauth, app)
    realm = (await oauth.http.get("/_emulator/realms")).json()[0]["realmId"]
    approved = await oauth.http.post(
        AUTHORIZE,
        data={
            **auth_params(app),
            "csrf_token": csrf_of(consent),
            "action": "approve",
            "realm": realm,
        },
    )
    code = query_of(approved.headers["location"])["code"]
    tokens = (await oauth.exchange(app, code)).json()
    secrets = [
        app.client_secret,
        app.verifier_token,
        code,
        tokens["access_token"],
        tokens["refresh_token"],
        tokens["id_token"],
        DEFAULT_PASSWORD,
        oauth.http.cookies[COOKIE],
        csrf_of(consent),
    ]
    bodies: list[str] = []
    # Every kind of failure, each carrying a secret the caller sent.
    bad_secret = {
        "Authorization": "Basic "
        + base64.b64encode(f"{app.client_id}:{app.client_secret}x".encode()).decode()
    }
    for response in (
        await oauth.exchange(app, code),  # reused code
        await oauth.http.post(
            "/oauth2/v1/tokens/bearer",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            headers=bad_secret,
        ),
        await oauth.refresh(app, tokens["refresh_token"] + "x"),
        await oauth.refresh(app, tokens["access_token"]),
        await oauth.api(realm, tokens["access_token"]),  # revoked by the code reuse
        await oauth.api(realm, tokens["refresh_token"]),
        await oauth.http.get(
            USERINFO, headers={"Authorization": f"Bearer {tokens['access_token']}"}
        ),
        await oauth.revoke(app, tokens["refresh_token"]),
        await oauth.http.post(
            AUTHORIZE, data={**auth_params(app), "csrf_token": "forged", "action": "approve"}
        ),
        await oauth.http.post(
            AUTHORIZE,
            data={
                **auth_params(app),
                "action": "signin",
                "csrf_token": csrf_of(consent),
                "email": DEFAULT_EMAIL,
                "password": DEFAULT_PASSWORD + "!",
            },
        ),
    ):
        assert response.status_code < 500
        bodies.append(response.text)
    formatter = logging.Formatter("%(name)s %(message)s")
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "authorization granted" in logged  # the capture did see the emulator's lines
    for secret in secrets:
        assert secret not in logged
    # The pages' own CSRF token and cookie are the browser's to see; nothing else is.
    for secret in secrets[:7]:
        for body in bodies:
            assert secret not in body


async def test_tokens_codes_and_secrets_are_stored_only_as_hashes(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    redirect = await oauth.code(app)
    tokens = (await oauth.exchange(app, redirect["code"])).json()
    server = oauth_for(oauth.emulator)
    dump = []
    with server.store.read() as conn:
        for table in server.tables.all():
            if table.name in ("oauth_secrets",):
                continue
            dump += [str(tuple(row)) for row in conn.execute(select(table))]
    text = "\n".join(dump)
    for value in (
        app.client_secret,
        redirect["code"],
        tokens["access_token"],
        tokens["refresh_token"],
    ):
        assert value not in text
        assert crypto.token_hash(value) in text


# -- state and entropy ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "state",
    [
        "plain",
        "with spaces & ampersands = equals + plus",
        "percent%20encoded%2Falready",
        "unicode: 日本語 ✓ émigré",
        "'\"<>#?/\\",
        "x" * 1500,
    ],
)
async def test_state_comes_back_unchanged(oauth: OAuthClient, state: str) -> None:
    app = await oauth.new_app()
    assert (await oauth.code(app, state=state))["state"] == state
    error = await oauth.authorize(app, state=state, response_type="token")
    assert query_of(error.headers["location"])["state"] == state
    assert query_of(error.headers["location"])["error"] == "unsupported_response_type"


async def test_no_state_means_none_in_the_redirect(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    response = await oauth.http.get(
        AUTHORIZE,
        params={
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "openid",
        },
    )
    assert "state" not in query_of(response.headers["location"])


async def test_codes_and_tokens_have_at_least_256_bits(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    seen: set[str] = set()
    urlsafe = re.compile(r"^[A-Za-z0-9_-]+$")
    for _ in range(20):
        redirect = await oauth.code(app)
        tokens = (await oauth.exchange(app, redirect["code"])).json()
        for value in (redirect["code"], tokens["access_token"], tokens["refresh_token"]):
            assert urlsafe.match(value)
            assert len(crypto.unb64url(value)) >= 32
            assert value not in seen
            seen.add(value)
    assert len(seen) == 60
    # A rotated refresh token is as long as a random one.
    await oauth.advance(86400)
    rotated = (await oauth.refresh(app, tokens["refresh_token"])).json()["refresh_token"]
    assert len(crypto.unb64url(rotated)) >= 32 and rotated not in seen


# -- bad input never gets a 500 ---------------------------------------------------------------


async def test_unstorable_and_garbage_input_is_refused_not_crashed(oauth_both: OAuthClient) -> None:
    """NUL characters and lone surrogates cannot reach PostgreSQL: each gets a 4xx."""
    oauth = oauth_both
    app = await oauth.new_app(auto_approve=False)
    nul_basic = {"Authorization": "Basic " + base64.b64encode(b"AB\x00x:secret").decode()}
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    attempts = [
        await oauth.http.post(
            "/_emulator/apps", json={"name": "a\x00b", "redirect_uris": [REDIRECT]}
        ),
        await oauth.http.post(
            "/_emulator/apps",
            content=b'{"name": "\\ud800", "redirect_uris": ["https://x.example/"]}',
        ),
        await oauth.http.post(
            "/_emulator/users", json={"email": "a\x00@b.co", "password": "long enough"}
        ),
        await oauth.http.post(
            "/_emulator/users",
            json={"email": "a@b.co", "password": "long enough", "given_name": "\x00"},
        ),
        await oauth.http.post("/_emulator/apps", content=b"\xff\xfe"),
        await oauth.http.post(
            TOKEN_PATH,
            data={"grant_type": "refresh_token", "refresh_token": "x"},
            headers=nul_basic,
        ),
        await oauth.http.post(
            TOKEN_PATH,
            content=b"grant_type=refresh_token&client_id=AB%00&client_secret=x&refresh_token=y",
            headers=form,
        ),
        await oauth.http.post(TOKEN_PATH, content=b"\xff\xfe=\x00", headers=form),
        await oauth.http.post(TOKEN_PATH, content=b"%%%", headers=form),
        await oauth.http.post(
            "/v2/oauth2/tokens/revoke",
            content=b'{"token": "\\u0000"}',
            headers={**app.auth, "Content-Type": "application/json"},
        ),
        await oauth.http.post(
            "/v2/oauth2/tokens/revoke",
            content=b'{"token": 5}',
            headers={**app.auth, "Content-Type": "application/json"},
        ),
        await oauth.http.post(
            "/v2/oauth2/tokens/revoke",
            content=b"[1,",
            headers={**app.auth, "Content-Type": "application/json"},
        ),
        await oauth.http.get(AUTHORIZE, params={"client_id": "AB\x00", "redirect_uri": REDIRECT}),
        await oauth.authorize(app, realm_id="1\x00"),
        await oauth.http.post(AUTHORIZE, content=b"client_id=%00&csrf_token=%00", headers=form),
        await oauth.http.post(AUTHORIZE, content=b"\xff", headers=form),
        await oauth.http.post(AUTHORIZE, json={"client_id": app.client_id}),
        await oauth.http.get(USERINFO, headers={"Authorization": "Bearer \x00"}),
    ]
    for response in attempts:
        assert 400 <= response.status_code < 500 or response.status_code == 200, (
            response.request.url,
            response.status_code,
            response.text[:300],
        )
