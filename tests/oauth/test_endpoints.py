"""The OAuth endpoints' wire contract: token errors, /v3 bearer checks, discovery, userinfo,
JWKS and the id_token, and the control plane's apps, users and stats."""

from __future__ import annotations

import jwt
import pytest
from sqlalchemy import select

from qbo.emulator import Emulator
from qbo.emulator.oauth import DEFAULT_EMAIL, oauth_for
from tests.oauth.conftest import (
    ACCOUNTING,
    REDIRECT,
    TOKEN,
    USERINFO,
    OAuthClient,
    basic,
)

pytestmark = pytest.mark.anyio

CHALLENGE = 'Bearer realm="Intuit", error="invalid_token"'


# -- token endpoint errors ----------------------------------------------------------------


async def test_client_authentication_errors(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    code = (await oauth.code(app))["code"]
    data = {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT}
    cases = [
        ({"Authorization": basic(app.client_id, "wrong")}, data),
        ({"Authorization": basic("ABnobody", app.client_secret)}, data),
        ({"Authorization": "Basic !!!not-base64"}, data),
        ({"Authorization": "Bearer " + app.client_secret}, data),
        ({}, data),
        ({}, {**data, "client_id": app.client_id}),
        ({}, {**data, "client_id": app.client_id, "client_secret": "wrong"}),
    ]
    for headers, form in cases:
        response = await oauth.http.post(TOKEN, data=form, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
    # The code survived the failed attempts; client_secret_post works.
    ok = await oauth.http.post(
        TOKEN, data={**data, "client_id": app.client_id, "client_secret": app.client_secret}
    )
    assert ok.status_code == 200, ok.text


async def test_request_errors(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    code = (await oauth.code(app))["code"]

    async def error_of(data: dict[str, str], headers: dict[str, str] | None = None) -> str:
        response = await oauth.http.post(TOKEN, data=data, headers=headers or app.auth)
        assert response.status_code == 400, response.text
        error: str = response.json()["error"]
        return error

    assert await error_of({"grant_type": "password", "username": "u"}) == "unsupported_grant_type"
    assert await error_of({"grant_type": "client_credentials"}) == "unsupported_grant_type"
    assert await error_of({"code": code}) == "invalid_request"
    assert await error_of({"grant_type": "authorization_code", "redirect_uri": REDIRECT}) == (
        "invalid_request"
    )
    assert await error_of({"grant_type": "authorization_code", "code": code}) == "invalid_request"
    assert await error_of({"grant_type": "refresh_token"}) == "invalid_request"
    both = {**app.auth}
    assert (
        await error_of(
            {
                "grant_type": "refresh_token",
                "refresh_token": "x",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
            },
            both,
        )
        == "invalid_request"
    )
    json_body = await oauth.http.post(
        TOKEN, json={"grant_type": "authorization_code", "code": code}, headers=app.auth
    )
    assert json_body.status_code == 400 and json_body.json()["error"] == "invalid_request"
    repeated = await oauth.http.post(
        TOKEN,
        content="grant_type=refresh_token&refresh_token=a&refresh_token=b",
        headers={**app.auth, "Content-Type": "application/x-www-form-urlencoded"},
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"
    # None of that used the code up.
    assert (await oauth.exchange(app, code)).status_code == 200


async def test_grant_errors(oauth: OAuthClient) -> None:
    app, other = await oauth.new_app(), await oauth.new_app()
    code = (await oauth.code(app))["code"]
    wrong_redirect = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT + "/x",
    }
    response = await oauth.token(app, wrong_redirect)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    response = await oauth.exchange(other, code)  # another app's code
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    response = await oauth.exchange(app, "made-up-code")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    tokens = (await oauth.exchange(app, code)).json()
    response = await oauth.refresh(other, tokens["refresh_token"])  # another app's token
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    response = await oauth.refresh(app, tokens["access_token"])  # an access token
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    assert (await oauth.refresh(app, tokens["refresh_token"])).status_code == 200


# -- /v3 with bearer tokens -----------------------------------------------------------------


async def test_v3_refuses_missing_malformed_and_unknown_tokens(oauth_both: OAuthClient) -> None:
    oauth = oauth_both
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    realm = tokens["realmId"]
    path = f"/v3/company/{realm}/companyinfo/{realm}"
    for headers in (
        {},
        {"Authorization": ""},
        {"Authorization": "Bearer"},
        {"Authorization": "Bearer    "},
        {"Authorization": "Basic " + tokens["access_token"]},
        {"Authorization": "Bearer a b c"},
        {"Authorization": "Bearer " + "x" * 5000},
        {"Authorization": "Bearer not-a-token-we-issued"},
        {"Authorization": "Bearer " + tokens["refresh_token"]},
    ):
        response = await oauth.http.get(path, headers=headers)
        assert response.status_code == 401, (headers, response.text)
        assert response.headers["www-authenticate"] == CHALLENGE
        body = response.json()
        assert set(body) == {"fault", "time"} and isinstance(body["time"], int)
        (error,) = body["fault"]["error"]
        assert body["fault"]["type"] == "AUTHENTICATION"
        assert error["code"] == "3200" and "element" not in error  # as recorded 401 bodies
        assert error["message"] == "message=AuthenticationFailed; errorCode=003200; statusCode=401"
        assert tokens["access_token"] not in response.text
        assert tokens["refresh_token"] not in response.text
    ok = await oauth.http.get(path, headers={"Authorization": f"bearer {tokens['access_token']}"})
    assert ok.status_code == 200


async def test_realm_isolation_on_every_endpoint(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    mine, theirs = await oauth.realm("Mine"), await oauth.realm("Theirs")
    tokens = await oauth.connect(app, realm_id=mine)
    assert tokens["realmId"] == mine
    headers = {"Authorization": f"Bearer {tokens['access_token']}"}
    requests = [
        ("GET", "companyinfo/{realm}", None),
        ("GET", "preferences", None),
        ("GET", "customer/1", None),
        ("GET", "query?query=select%20*%20from%20Customer", None),
        ("GET", "cdc?entities=Customer&changedSince=2020-01-01", None),
        ("GET", "reports/ProfitAndLoss", None),
        ("GET", "no-such-resource", None),
        ("POST", "customer", {"DisplayName": "Intruder"}),
        ("POST", "customer?operation=delete", {"Id": "1", "SyncToken": "0"}),
        ("POST", "batch", {"BatchItemRequest": []}),
        ("POST", "query", None),
    ]
    for method, rest, body in requests:
        path = f"/v3/company/{theirs}/{rest.format(realm=theirs)}"
        response = await oauth.http.request(method, path, json=body, headers=headers)
        assert response.status_code == 403, (method, rest, response.text)
        (error,) = response.json()["fault"]["error"]
        assert error["code"] == "3100", error
        assert response.json()["fault"]["type"] == "SERVICE"
        # The same request on the token's own company passes the gateway.
        own = await oauth.http.request(
            method, f"/v3/company/{mine}/{rest.format(realm=mine)}", json=body, headers=headers
        )
        assert own.status_code not in (401, 403), (method, rest, own.text)
    # The intruder's write did not happen.
    other = await oauth.connect(app, realm_id=theirs)
    query = await oauth.api(
        theirs, other["access_token"], "query?query=select%20*%20from%20Customer"
    )
    assert "Intruder" not in query.text


async def test_a_token_without_the_accounting_scope_cannot_use_v3(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    redirect = await oauth.code(app, "openid email")
    assert "realmId" not in redirect  # realmId only with a QuickBooks scope
    tokens = (await oauth.exchange(app, redirect["code"])).json()
    realm = (await oauth.http.get("/_emulator/realms")).json()[0]["realmId"]
    response = await oauth.api(realm, tokens["access_token"])
    assert response.status_code == 403
    assert response.json()["fault"]["error"][0]["code"] == "3100"


# -- discovery, JWKS, id_token, userinfo ---------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/.well-known/openid_configuration",
        "/.well-known/openid_configuration/",
        "/.well-known/openid_sandbox_configuration",
        "/.well-known/openid_sandbox_configuration/",
    ],
)
async def test_discovery_lists_absolute_urls_of_this_server(oauth: OAuthClient, path: str) -> None:
    response = await oauth.http.get(path)
    assert response.status_code == 200, response.text
    doc = response.json()
    base = "http://emulator.test"
    assert doc["issuer"] == base + "/op/v1"
    assert doc["authorization_endpoint"] == base + "/connect/oauth2"
    assert doc["token_endpoint"] == base + "/oauth2/v1/tokens/bearer"
    assert doc["revocation_endpoint"] == base + "/v2/oauth2/tokens/revoke"
    assert doc["userinfo_endpoint"] == base + "/v1/openid_connect/userinfo"
    assert doc["jwks_uri"] == base + "/op/v1/jwks"
    assert doc["response_types_supported"] == ["code"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_post",
        "client_secret_basic",
    }
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert {ACCOUNTING, "openid", "email", "profile", "phone", "address"} <= set(
        doc["scopes_supported"]
    )


async def test_a_client_that_reads_discovery_works_unchanged(oauth_both: OAuthClient) -> None:
    """Everything below comes from the discovery document, not from known paths."""
    oauth = oauth_both
    app = await oauth.new_app()
    doc = (await oauth.http.get("/.well-known/openid_sandbox_configuration")).json()
    redirect = await oauth.http.get(
        doc["authorization_endpoint"],
        params={
            "client_id": app.client_id,
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": f"{ACCOUNTING} openid profile email phone",
            "state": "s",
            "nonce": "n-123",
        },
    )
    assert redirect.status_code == 302
    params = dict(p.split("=", 1) for p in redirect.headers["location"].split("?", 1)[1].split("&"))
    tokens = (
        await oauth.http.post(
            doc["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": params["code"],
                "redirect_uri": REDIRECT,
            },
            headers=app.auth,
        )
    ).json()
    jwks = (await oauth.http.get(doc["jwks_uri"])).json()
    header = jwt.get_unverified_header(tokens["id_token"])
    assert header["alg"] == "RS256"
    (jwk,) = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    claims = jwt.decode(
        tokens["id_token"],
        jwt.PyJWK(jwk).key,
        algorithms=doc["id_token_signing_alg_values_supported"],
        audience=app.client_id,
        issuer=doc["issuer"],
        # Times are on the emulator clock, which other tests have moved: check them
        # against that clock below, not against this machine's.
        options={"verify_exp": False, "verify_iat": False, "verify_nbf": False},
    )
    assert {"iss", "aud", "sub", "realmid", "iat", "exp", "auth_time"} <= set(claims)
    emulator_now = oauth.emulator.clock.now().timestamp()
    assert emulator_now - 60 < claims["iat"] <= emulator_now < claims["exp"]
    assert claims["realmid"] == params["realmId"]
    assert claims["nonce"] == "n-123"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["auth_time"] <= claims["iat"]
    info = await oauth.http.get(
        doc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert info.status_code == 200, info.text
    body = info.json()
    assert body["sub"] == claims["sub"]
    assert body["email"] == DEFAULT_EMAIL and body["emailVerified"] is True
    assert body["givenName"] == "Demo" and body["familyName"] == "User"
    assert body["phoneNumber"]
    revoked = await oauth.http.post(
        doc["revocation_endpoint"], json={"token": tokens["refresh_token"]}, headers=app.auth
    )
    assert revoked.status_code == 200
    after = await oauth.http.get(
        doc["userinfo_endpoint"], headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert after.status_code == 401
    assert after.headers["www-authenticate"] == CHALLENGE


async def test_userinfo_follows_the_scopes(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    only_accounting = await oauth.connect(app)
    assert "id_token" not in only_accounting
    response = await oauth.http.get(
        USERINFO, headers={"Authorization": f"Bearer {only_accounting['access_token']}"}
    )
    assert response.status_code == 403 and response.json()["error"] == "insufficient_scope"
    email_only = await oauth.connect(app, "openid email")
    body = (
        await oauth.http.get(
            USERINFO, headers={"Authorization": f"Bearer {email_only['access_token']}"}
        )
    ).json()
    assert set(body) == {"sub", "email", "emailVerified"}
    assert (await oauth.http.get(USERINFO)).status_code == 401


async def test_the_signing_key_is_kept_with_the_database(tmp_path: object) -> None:
    from pathlib import Path

    from tests.oauth.conftest import oauth_config

    db = str(Path(str(tmp_path)) / "keys.db")
    first = Emulator.open(oauth_config(db))
    jwk = oauth_for(first).keys.jwk()
    first.close()
    second = Emulator.open(oauth_config(db))
    try:
        assert oauth_for(second).keys.jwk() == jwk
        assert [u.email for u in oauth_for(second).users.list()] == [DEFAULT_EMAIL]
    finally:
        second.close()


async def test_refresh_gives_no_id_token(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    tokens = await oauth.connect(app, f"{ACCOUNTING} openid")
    assert "id_token" in tokens
    refreshed = (await oauth.refresh(app, tokens["refresh_token"])).json()
    assert "id_token" not in refreshed


# -- control plane -------------------------------------------------------------------------


async def test_apps_are_listed_without_secrets_and_stored_hashed(oauth: OAuthClient) -> None:
    app = await oauth.new_app(
        name="Listed", webhook_url="https://hooks.example/qbo", webhook_format="legacy"
    )
    assert app.raw["webhook_format"] == "legacy"
    assert len(app.client_secret) >= 40
    listed = (await oauth.http.get("/_emulator/apps")).json()
    (mine,) = [a for a in listed if a["client_id"] == app.client_id]
    assert mine == {
        "client_id": app.client_id,
        "name": "Listed",
        "redirect_uris": [REDIRECT],
        "scopes": app.raw["scopes"],
        "auto_approve": True,
        "webhook_url": "https://hooks.example/qbo",
        "webhook_format": "legacy",
    }
    text = str(listed)
    assert app.client_secret not in text and app.verifier_token not in text
    server = oauth_for(oauth.emulator)
    with oauth.emulator.store.read() as conn:
        row = conn.execute(
            select(server.tables.apps).where(server.tables.apps.c.client_id == app.client_id)
        ).one()
    assert app.client_secret not in str(tuple(row))
    # The verifier token is kept usable for signing webhooks.
    assert server.apps.get(app.client_id) is not None
    assert server.apps.get(app.client_id).verifier_token == app.verifier_token  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "x"},
        {"name": "", "redirect_uris": [REDIRECT]},
        {"name": "x", "redirect_uris": []},
        {"name": "x", "redirect_uris": ["not a url"]},
        {"name": "x", "redirect_uris": ["ftp://x/y"]},
        {"name": "x", "redirect_uris": [REDIRECT], "scopes": ["com.intuit.nope"]},
        {"name": "x", "redirect_uris": [REDIRECT], "scopes": []},
        {"name": "x", "redirect_uris": [REDIRECT], "auto_approve": "yes"},
        {"name": "x", "redirect_uris": [REDIRECT], "webhook_format": "xml"},
        {"name": "x", "redirect_uris": [REDIRECT], "webhook_url": "nope"},
        {"name": "x", "redirect_uris": [REDIRECT], "color": "red"},
        ["not", "an", "object"],
    ],
)
async def test_bad_app_bodies_are_refused(oauth: OAuthClient, body: object) -> None:
    response = await oauth.http.post("/_emulator/apps", json=body)
    assert response.status_code == 400, response.text
    assert set(response.json()) == {"error"}


async def test_users_can_be_added(oauth: OAuthClient) -> None:
    import secrets

    email = f"ann-{secrets.token_hex(4)}@example.com"
    response = await oauth.http.post(
        "/_emulator/users",
        json={
            "email": email,
            "password": "correct horse",
            "given_name": "Ann",
            "family_name": "Lee",
        },
    )
    assert response.status_code == 201, response.text
    user = response.json()
    assert user["email"] == email and "password" not in str(user)
    assert "correct horse" not in response.text
    duplicate = await oauth.http.post(
        "/_emulator/users", json={"email": email.upper(), "password": "another one"}
    )
    assert duplicate.status_code == 400
    for bad in (
        {"email": "nope", "password": "long enough"},
        {"email": "a@b.co", "password": "short"},
        {"email": "a@b.co"},
    ):
        assert (await oauth.http.post("/_emulator/users", json=bad)).status_code == 400
    emails = [u["email"] for u in (await oauth.http.get("/_emulator/users")).json()]
    assert DEFAULT_EMAIL in emails and email in emails
    server = oauth_for(oauth.emulator)
    assert server.users.authenticate(email, "correct horse") is not None
    assert server.users.authenticate(email, "wrong horse") is None


async def test_stats_count_requests_by_endpoint_and_realm(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    reset = await oauth.http.post("/_emulator/stats/reset")
    assert reset.json()["token"] == 0 and reset.json()["api"] == {}
    tokens = await oauth.connect(app)
    for _ in range(3):
        await oauth.api(tokens["realmId"], tokens["access_token"])
    await oauth.api("123", tokens["access_token"])
    await oauth.refresh(app, tokens["refresh_token"])
    await oauth.revoke(app, tokens["refresh_token"])
    await oauth.http.get(USERINFO)
    await oauth.http.get("/op/v1/jwks")
    stats = (await oauth.http.get("/_emulator/stats")).json()
    assert stats["authorize"] == 1
    assert stats["token"] == 2
    assert stats["token_by_grant_type"] == {"authorization_code": 1, "refresh_token": 1}
    assert stats["revoke"] == 1 and stats["userinfo"] == 1 and stats["jwks"] == 1
    assert stats["api"] == {tokens["realmId"]: 3, "123": 1}
    assert stats["api_total"] == 4


async def test_control_plane_refuses_remote_callers(oauth: OAuthClient) -> None:
    import httpx

    from qbo.emulator import create_app

    transport = httpx.ASGITransport(app=create_app(oauth.emulator), client=("203.0.113.9", 4000))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator.test") as remote:
        for method, path in (
            ("GET", "/_emulator/apps"),
            ("POST", "/_emulator/apps"),
            ("POST", "/_emulator/users"),
            ("GET", "/_emulator/stats"),
            ("POST", "/_emulator/stats/reset"),
        ):
            response = await remote.request(method, path, json={})
            assert response.status_code == 403, (path, response.text)
