"""Tokens over time, on the emulator clock: expiry, rotation, rolling and hard limits, revoke."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable

import httpx
import pytest

from tests.oauth.conftest import DAY, HOUR, OAuthClient, RegisteredApp

pytestmark = pytest.mark.anyio

HARD = "x-include-refresh-token-hard-expires-in"


async def _error(pending: Awaitable[httpx.Response], status: int, error: str) -> dict[str, str]:
    response = await pending
    assert response.status_code == status, response.text
    body: dict[str, str] = response.json()
    assert body["error"] == error, body
    return body


async def test_code_exchange_answers_intuits_token_shape(oauth_both: OAuthClient) -> None:
    app = await oauth_both.new_app()
    redirect = await oauth_both.code(app)
    response = await oauth_both.exchange(app, redirect["code"])
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert set(body) == {
        "token_type",
        "access_token",
        "expires_in",
        "refresh_token",
        "x_refresh_token_expires_in",
    }
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["x_refresh_token_expires_in"] == 100 * DAY
    ok = await oauth_both.api(redirect["realmId"], body["access_token"])
    assert ok.status_code == 200, ok.text
    assert ok.json()["CompanyInfo"]["Id"] == "1"


async def test_hard_expiry_is_reported_only_when_asked(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    redirect = await oauth.code(app)
    body = (await oauth.exchange(app, redirect["code"], **{HARD: "true"})).json()
    assert 5 * 365 * DAY - 2 <= body["x_refresh_token_hard_expires_in"] <= 5 * 365 * DAY
    await oauth.advance(10 * DAY)
    refreshed = (
        await oauth.token(
            app,
            {"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
            **{HARD: "true"},
        )
    ).json()
    assert refreshed["x_refresh_token_hard_expires_in"] == pytest.approx(
        body["x_refresh_token_hard_expires_in"] - 10 * DAY, abs=2
    )
    plain = (await oauth.refresh(app, refreshed["refresh_token"])).json()
    assert "x_refresh_token_hard_expires_in" not in plain


async def test_access_token_lives_3600_seconds(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    await oauth.advance(3599)
    assert (await oauth.api(tokens["realmId"], tokens["access_token"])).status_code == 200
    await oauth.advance(1)
    expired = await oauth.api(tokens["realmId"], tokens["access_token"])
    assert expired.status_code == 401
    assert expired.json()["fault"]["error"][0]["detail"].startswith("Token expired")
    assert expired.headers["www-authenticate"] == 'Bearer realm="Intuit", error="invalid_token"'


async def test_refresh_within_24_hours_returns_the_same_value(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    await oauth.advance(2 * HOUR)
    first = (await oauth.refresh(app, tokens["refresh_token"])).json()
    assert first["refresh_token"] == tokens["refresh_token"]
    assert first["access_token"] != tokens["access_token"]
    # A refresh does not end earlier access tokens (the first is 2 hours old: expired).
    assert (await oauth.api(tokens["realmId"], first["access_token"])).status_code == 200
    await oauth.advance(HOUR - 1)
    second = (await oauth.refresh(app, tokens["refresh_token"])).json()
    assert (await oauth.api(tokens["realmId"], first["access_token"])).status_code == 200
    assert (await oauth.api(tokens["realmId"], second["access_token"])).status_code == 200
    await oauth.advance(20 * HOUR + 59 * 60 + 1)  # 23:59 after issue
    third = (await oauth.refresh(app, tokens["refresh_token"])).json()
    assert second["refresh_token"] == third["refresh_token"] == tokens["refresh_token"]


async def test_rotation_after_24_hours_with_24_hours_of_grace(oauth_both: OAuthClient) -> None:
    oauth = oauth_both
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    old = tokens["refresh_token"]
    await oauth.advance(DAY)
    rotated = (await oauth.refresh(app, old)).json()
    new = rotated["refresh_token"]
    assert new != old
    assert rotated["x_refresh_token_expires_in"] == 100 * DAY
    # The previous value keeps working for 24 hours and answers the same new value.
    await oauth.advance(DAY - 60)
    again = (await oauth.refresh(app, old)).json()
    assert again["refresh_token"] == new
    assert (await oauth.api(tokens["realmId"], again["access_token"])).status_code == 200
    await oauth.advance(60)
    body = await _error(oauth.refresh(app, old), 400, "invalid_grant")
    assert old not in str(body)
    # The new value still works, and was itself issued 24 hours ago: it rotates now.
    latest = (await oauth.refresh(app, new)).json()
    assert latest["refresh_token"] not in (old, new)


async def test_refresh_token_expires_after_100_days_unused(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    await oauth.advance(100 * DAY)
    await _error(oauth.refresh(app, tokens["refresh_token"]), 400, "invalid_grant")


async def test_each_use_extends_the_100_days(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    token = (await oauth.connect(app))["refresh_token"]
    for _ in range(3):
        await oauth.advance(99 * DAY)
        body = (await oauth.refresh(app, token)).json()
        assert body["x_refresh_token_expires_in"] == 100 * DAY
        token = body["refresh_token"]
    await oauth.advance(100 * DAY)
    await _error(oauth.refresh(app, token), 400, "invalid_grant")


async def test_five_year_hard_limit(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    token = (await oauth.connect(app))["refresh_token"]
    hard_left = 5 * 365 * DAY
    while hard_left > 99 * DAY:
        await oauth.advance(99 * DAY)
        hard_left -= 99 * DAY
        response = await oauth.token(
            app, {"grant_type": "refresh_token", "refresh_token": token}, **{HARD: "true"}
        )
        body = response.json()
        assert response.status_code == 200, body
        assert body["x_refresh_token_hard_expires_in"] == pytest.approx(hard_left, abs=3)
        # Near the end the rolling window is cut short by the hard limit.
        assert body["x_refresh_token_expires_in"] == pytest.approx(min(100 * DAY, hard_left), abs=3)
        token = body["refresh_token"]
    await oauth.advance(hard_left)
    body = await _error(oauth.refresh(app, token), 400, "invalid_grant")
    assert "five-year" in body["error_description"]


async def test_revoke_ends_every_token_of_the_grant(oauth_both: OAuthClient) -> None:
    oauth = oauth_both
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    other = await oauth.connect(app)  # a second grant of the same app stays alive
    refreshed = (await oauth.refresh(app, tokens["refresh_token"])).json()
    revoked = await oauth.revoke(app, tokens["refresh_token"])
    assert revoked.status_code == 200 and revoked.content == b""
    for access in (tokens["access_token"], refreshed["access_token"]):
        response = await oauth.api(tokens["realmId"], access)
        assert response.status_code == 401
        assert response.json()["fault"]["error"][0]["detail"] == "Token revoked"
    await _error(oauth.refresh(app, tokens["refresh_token"]), 400, "invalid_grant")
    assert (await oauth.api(other["realmId"], other["access_token"])).status_code == 200
    # Revoking by access token works the same way.
    assert (await oauth.revoke(app, other["access_token"])).status_code == 200
    assert (await oauth.api(other["realmId"], other["access_token"])).status_code == 401
    await _error(oauth.refresh(app, other["refresh_token"]), 400, "invalid_grant")


async def test_revoke_needs_the_owning_app(oauth: OAuthClient) -> None:
    app, intruder = await oauth.new_app(), await oauth.new_app()
    tokens = await oauth.connect(app)
    bad = RegisteredApp(app.client_id, "wrong-secret", "", {})
    await _error(oauth.revoke(bad, tokens["refresh_token"]), 401, "invalid_client")
    # Another app's token is refused and stays valid; an unknown one gets 200 (RFC 7009).
    for token in (tokens["refresh_token"], tokens["access_token"]):
        await _error(oauth.revoke(intruder, token), 400, "unauthorized_client")
    assert (await oauth.revoke(intruder, "no-such-token")).status_code == 200
    assert (await oauth.api(tokens["realmId"], tokens["access_token"])).status_code == 200
    missing = await oauth.http.post("/v2/oauth2/tokens/revoke", json={}, headers=app.auth)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # The RFC 7009 form body works too.
    form = await oauth.http.post(
        "/v2/oauth2/tokens/revoke", data={"token": tokens["access_token"]}, headers=app.auth
    )
    assert form.status_code == 200
    assert (await oauth.api(tokens["realmId"], tokens["access_token"])).status_code == 401


async def test_a_code_works_once_and_its_reuse_revokes_the_grant(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    redirect = await oauth.code(app)
    first = await oauth.exchange(app, redirect["code"])
    assert first.status_code == 200
    body = await _error(oauth.exchange(app, redirect["code"]), 400, "invalid_grant")
    assert redirect["code"] not in str(body)
    # RFC 6749 4.1.2: the replay revokes the tokens the code gave.
    assert (await oauth.api(redirect["realmId"], first.json()["access_token"])).status_code == 401
    await _error(oauth.refresh(app, first.json()["refresh_token"]), 400, "invalid_grant")


async def test_a_code_expires_after_10_minutes(oauth: OAuthClient) -> None:
    app = await oauth.new_app()
    fresh, stale = await oauth.code(app), await oauth.code(app)
    await oauth.advance(599)
    assert (await oauth.exchange(app, fresh["code"])).status_code == 200
    await oauth.advance(1)
    await _error(oauth.exchange(app, stale["code"]), 400, "invalid_grant")


@pytest.mark.parametrize("age_hours", [1, 30])
async def test_racing_refreshes_both_succeed_with_one_value(
    oauth_both: OAuthClient, age_hours: int
) -> None:
    """Eight clients refresh with one refresh token at once.

    Per Intuit's rules the previous value stays valid for 24 hours after a rotation, so
    every racer succeeds; and because a rotated token's successor is derived from it,
    every racer gets the same refresh token, which stays valid.
    """
    oauth = oauth_both
    app = await oauth.new_app()
    tokens = await oauth.connect(app)
    await oauth.advance(age_hours * HOUR)
    await oauth.http.post("/_emulator/stats/reset")
    responses = await asyncio.gather(
        *(oauth.refresh(app, tokens["refresh_token"]) for _ in range(8))
    )
    assert [r.status_code for r in responses] == [200] * 8
    values = {r.json()["refresh_token"] for r in responses}
    assert len(values) == 1
    (value,) = values
    assert (value == tokens["refresh_token"]) == (age_hours < 24)
    assert len({r.json()["access_token"] for r in responses}) == 8
    stats = (await oauth.http.get("/_emulator/stats")).json()
    assert stats["token"] == 8 and stats["token_by_grant_type"] == {"refresh_token": 8}
    # The value they share keeps working for days to come.
    await oauth.advance(3 * DAY)
    assert (await oauth.refresh(app, value)).status_code == 200
