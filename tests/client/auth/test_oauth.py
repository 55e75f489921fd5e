"""The OAuth client against the emulator's OAuth server over a real socket."""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from qbo.client._static_auth import BearerAuth
from qbo.client.auth import (
    AsyncOAuthClient,
    ClientCredentials,
    IdTokenError,
    OAuthClient,
    check_state,
    parse_redirect,
)
from qbo.client.auth._protocol import error_for, parse_object
from qbo.client.auth.oauth import ACCOUNTING, OPENID
from qbo.client.environment import emulator as emulator_environment
from qbo.client.errors import (
    AuthenticationError,
    AuthorizationError,
    ReauthorizationRequired,
    ServiceError,
    TransportError,
)
from tests.client.auth.conftest import REDIRECT_URI, Emu

HOUR = 3600
DAY = 86400


def test_authorization_url_carries_a_fresh_state_and_the_parameters(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    first = oauth.authorization_url([ACCOUNTING, OPENID])
    second = oauth.authorization_url([ACCOUNTING, OPENID])
    assert first.state != second.state and len(first.state) >= 40
    query = {k: v[0] for k, v in parse_qs(urlsplit(first.url).query).items()}
    assert first.url.startswith(oauth_emu.environment.authorization_endpoint + "?")
    assert query == {
        "client_id": oauth.credentials.client_id,
        "response_type": "code",
        "scope": f"{ACCOUNTING} {OPENID}",
        "redirect_uri": REDIRECT_URI,
        "state": first.state,
        "nonce": first.nonce,
    }
    assert check_state(first.state, first.state)
    assert not check_state(first.state, second.state)
    assert not check_state(first.state, None)
    assert not check_state("", "")


def test_redirect_with_another_state_or_an_error_is_refused() -> None:
    with pytest.raises(AuthorizationError, match="state"):
        parse_redirect("https://app/cb?code=abc&state=forged&realmId=1", expected_state="mine")
    with pytest.raises(AuthorizationError) as refused:
        parse_redirect("https://app/cb?error=access_denied&state=mine", expected_state="mine")
    assert refused.value.code == "access_denied"
    with pytest.raises(AuthorizationError, match="no code"):
        parse_redirect("state=mine", expected_state="mine")
    answer = parse_redirect("?code=abc&state=mine&realmId=42", expected_state="mine")
    assert (answer.code, answer.realm_id) == ("abc", "42")


def test_secrets_stay_out_of_reprs(oauth_emu: Emu) -> None:
    code = "Q0-secret-authorization-code"
    answer = parse_redirect(f"?code={code}&state=st-secret&realmId=42", expected_state="st-secret")
    assert "42" in repr(answer)
    assert code not in repr(answer) and "st-secret" not in repr(answer)
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    request = oauth.authorization_url([ACCOUNTING, OPENID])
    assert REDIRECT_URI in repr(request) and request.state not in repr(request)
    assert oauth.credentials.client_secret not in repr(oauth.credentials)
    assert request.nonce is not None and request.nonce not in repr(request)


def test_code_exchange_gives_a_token_that_calls_the_api(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    realm = oauth_emu.new_realm()
    before = oauth_emu.now()
    token = oauth_emu.connect(oauth, realm)
    assert token.realm_id == realm
    assert token.expires_at - before == pytest.approx(timedelta(hours=1), abs=timedelta(seconds=5))
    assert token.refresh_expires_at is not None and token.hard_expires_at is not None
    assert token.refresh_expires_at - before == pytest.approx(
        timedelta(days=100), abs=timedelta(seconds=5)
    )
    # We always ask for the five-year limit (x-include-refresh-token-hard-expires-in).
    assert token.hard_expires_at - before == pytest.approx(
        timedelta(days=5 * 365), abs=timedelta(seconds=5)
    )
    assert token.id_token is not None and token.scope is not None and OPENID in token.scope
    assert token.access_token not in repr(token) and token.refresh_token not in repr(token)
    response = httpx.get(oauth_emu.company_url(realm), auth=BearerAuth(token.access_token))
    assert response.status_code == 200, response.text
    assert "CompanyInfo" in response.json()


def test_an_authorization_code_works_once(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    request = oauth.authorization_url(extra={"realm_id": oauth_emu.new_realm()})
    location = oauth_emu.http.get(request.url).headers["location"]
    answer = parse_redirect(location, expected_state=request.state)
    oauth.exchange_code(answer.code, realm_id=answer.realm_id)
    with pytest.raises(ReauthorizationRequired) as replay:
        oauth.exchange_code(answer.code, realm_id=answer.realm_id)
    assert replay.value.code == "invalid_grant" and replay.value.status_code == 400
    assert answer.code not in str(replay.value)


def test_refresh_keeps_the_value_for_24_hours_then_rotates(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    first = oauth_emu.connect(oauth, oauth_emu.new_realm())
    oauth_emu.advance(2 * HOUR)
    same = oauth.refresh(first)
    assert same.refresh_token == first.refresh_token
    assert same.access_token != first.access_token
    assert same.expires_at > first.expires_at
    assert same.id_token == first.id_token  # kept: Intuit sends none on refresh
    assert same.hard_expires_at == pytest.approx(first.hard_expires_at, abs=timedelta(seconds=5))
    oauth_emu.advance(23 * HOUR)  # 25 h after the refresh token was issued
    rotated = oauth.refresh(same)
    assert rotated.refresh_token != first.refresh_token
    assert rotated.refresh_token == oauth_emu.successor(first.refresh_token)
    # The previous value keeps working for 24 hours (and answers the same new value) ...
    assert oauth.refresh(first).refresh_token == rotated.refresh_token
    oauth_emu.advance(DAY + 60)
    # ... then it is refused, and the error says the user must reconnect.
    with pytest.raises(ReauthorizationRequired) as old:
        oauth.refresh(first)
    assert first.refresh_token not in str(old.value)
    assert oauth.refresh(rotated).refresh_token != rotated.refresh_token  # 24 h passed again


def test_revoke_ends_the_grant(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    realm = oauth_emu.new_realm()
    token = oauth_emu.connect(oauth, realm)
    oauth.revoke(token)
    with pytest.raises(ReauthorizationRequired):
        oauth.refresh(token)
    response = httpx.get(oauth_emu.company_url(realm), auth=BearerAuth(token.access_token))
    assert response.status_code == 401
    oauth.revoke("not-a-token-of-ours")  # RFC 7009: unknown tokens are answered 200 too


def test_userinfo_answers_the_signed_in_user(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    token = oauth_emu.connect(oauth, oauth_emu.new_realm())
    info = oauth.userinfo(token)
    assert info["sub"] and info["email"] and info["emailVerified"] is True
    assert "givenName" in info and "familyName" in info
    claims = oauth.verify_id_token(token.id_token or "")
    assert claims["sub"] == info["sub"]
    with pytest.raises(AuthenticationError) as refused:
        oauth.userinfo("not-a-live-token")
    assert refused.value.status_code == 401


def _tamper(id_token: str) -> str:
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = "someone-else"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def test_id_token_signature_issuer_audience_and_times_are_checked(oauth_emu: Emu) -> None:
    app = oauth_emu.new_app()
    oauth = oauth_emu.oauth(app)
    realm = oauth_emu.new_realm()
    request = oauth.authorization_url((ACCOUNTING, OPENID), extra={"realm_id": realm})
    answer = parse_redirect(
        oauth_emu.http.get(request.url).headers["location"], expected_state=request.state
    )
    token = oauth.exchange_code(answer.code, realm_id=answer.realm_id)
    id_token = token.id_token or ""
    claims = oauth.verify_id_token(id_token, nonce=request.nonce)
    assert claims["aud"] == [app["client_id"]] or claims["aud"] == app["client_id"]
    assert claims["iss"] == oauth_emu.environment.issuer and claims["realmid"] == realm

    with pytest.raises(IdTokenError, match="nonce"):
        oauth.verify_id_token(id_token, nonce="another-nonce")
    with pytest.raises(IdTokenError, match=r"[Ss]ignature"):
        oauth.verify_id_token(_tamper(id_token))
    with pytest.raises(IdTokenError, match="not a JWT"):
        oauth.verify_id_token("garbage")
    other_app = oauth_emu.oauth(oauth_emu.new_app())
    with pytest.raises(IdTokenError, match=r"[Aa]udience"):
        other_app.verify_id_token(id_token)
    wrong_issuer = OAuthClient(
        replace(oauth_emu.environment, issuer="https://oauth.platform.intuit.com/op/v1"),
        oauth.credentials,
        clock=oauth_emu.now,
    )
    with pytest.raises(IdTokenError, match=r"[Ii]ssuer"):
        wrong_issuer.verify_id_token(id_token)
    # A client whose clock is an hour and a half behind sees an id_token from its future.
    behind = oauth_emu.oauth(app, clock=lambda: oauth_emu.now() - timedelta(minutes=90))
    with pytest.raises(IdTokenError, match="future"):
        behind.verify_id_token(id_token)
    oauth_emu.advance(HOUR + 6 * 60)  # past exp plus the 5-minute leeway
    with pytest.raises(IdTokenError, match="expired"):
        oauth.verify_id_token(id_token)
    assert id_token not in str(IdTokenError("id_token: expired"))


def test_discovery_names_the_emulator_endpoints(oauth_emu: Emu) -> None:
    app = oauth_emu.new_app()
    # Start from an environment whose endpoints are all wrong except the discovery URL.
    blank = replace(
        emulator_environment("http://127.0.0.1:9"),
        discovery_url=oauth_emu.environment.discovery_url,
        api_base=oauth_emu.url,
    )
    oauth = OAuthClient(blank, oauth_emu.credentials(app), clock=oauth_emu.now)
    found = oauth.discover()
    assert found == oauth_emu.environment
    token = oauth_emu.connect(oauth, oauth_emu.new_realm())  # the discovered endpoints work
    assert oauth.verify_id_token(token.id_token or "")["iss"] == found.issuer


def test_wrong_client_secret_is_an_authentication_error_without_the_secret(oauth_emu: Emu) -> None:
    app = oauth_emu.new_app()
    good = oauth_emu.oauth(app)
    token = oauth_emu.connect(good, oauth_emu.new_realm())
    secret = "wrong-secret-" + app["client_secret"][:10]
    bad = OAuthClient(
        oauth_emu.environment,
        ClientCredentials(app["client_id"], secret, REDIRECT_URI),
        clock=oauth_emu.now,
    )
    with pytest.raises(AuthenticationError) as refused:
        bad.refresh(token)
    assert not isinstance(refused.value, ReauthorizationRequired)
    assert refused.value.code == "invalid_client" and refused.value.status_code == 401
    assert secret not in str(refused.value) and token.refresh_token not in str(refused.value)


def test_client_secret_post_works_too(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app(), auth_method="client_secret_post")
    token = oauth_emu.connect(oauth, oauth_emu.new_realm())
    assert oauth.refresh(token).refresh_token == token.refresh_token


def test_answers_nested_too_deeply_are_errors_not_crashes() -> None:
    """A token endpoint (or a proxy) answering JSON nested deeper than the parser follows."""
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(ServiceError, match="not a JSON object"):
        parse_object(httpx.Response(200, content=deep), "userinfo")
    error = error_for(httpx.Response(400, content=deep), "refresh")
    assert isinstance(error, AuthenticationError) and error.code is None


def test_unreachable_server_is_a_transport_error() -> None:
    oauth = OAuthClient(
        emulator_environment("http://127.0.0.1:9"),
        ClientCredentials("id", "secret-value", REDIRECT_URI),
        timeout=2,
    )
    with pytest.raises(TransportError) as failed:
        oauth.exchange_code("code-value", realm_id="1")
    assert "secret-value" not in str(failed.value) and "code-value" not in str(failed.value)


@pytest.mark.anyio
async def test_async_client_exchanges_refreshes_revokes_and_checks(oauth_emu: Emu) -> None:
    app = oauth_emu.new_app()
    oauth = AsyncOAuthClient(oauth_emu.environment, oauth_emu.credentials(app), clock=oauth_emu.now)
    realm = oauth_emu.new_realm()
    request = oauth.authorization_url(extra={"realm_id": realm}, scopes=(ACCOUNTING, OPENID))
    async with httpx.AsyncClient() as http:
        location = (await http.get(request.url)).headers["location"]
    answer = parse_redirect(location, expected_state=request.state)
    token = await oauth.exchange_code(answer.code, realm_id=answer.realm_id)
    assert (await oauth.verify_id_token(token.id_token or "", nonce=request.nonce))[
        "realmid"
    ] == realm
    assert (await oauth.userinfo(token))["sub"]
    again = await oauth.refresh(token)
    assert again.refresh_token == token.refresh_token and again.access_token != token.access_token
    assert (await oauth.discover()).token_endpoint == oauth_emu.environment.token_endpoint
    await oauth.revoke(again)
    with pytest.raises(ReauthorizationRequired):
        await oauth.refresh(again)
