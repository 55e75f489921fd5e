"""RefreshingAuth against the emulator: early refresh, refresh on 401, single flight in one
process, the hard expiry, and build_auth. (Races across processes: ``test_race.py``.)"""

from __future__ import annotations

import asyncio
import logging
import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qbo.client._static_auth import BearerAuth
from qbo.client.auth import (
    ClientCredentials,
    MemoryTokenStore,
    RefreshingAuth,
    build_auth,
)
from qbo.client.errors import AuthenticationError, ReauthorizationRequired
from tests.client.auth.conftest import Emu

HOUR = 3600
DAY = 86400


def connected(oauth_emu: Emu, **auth_options: Any) -> tuple[RefreshingAuth, MemoryTokenStore, str]:
    """A RefreshingAuth (following the emulator clock) on a fresh app and company."""
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    realm = oauth_emu.new_realm()
    store = MemoryTokenStore(oauth_emu.connect(oauth, realm))
    return RefreshingAuth(oauth, store, **auth_options), store, realm


def test_a_fresh_token_is_used_without_refreshing(oauth_emu: Emu) -> None:
    auth, _, realm = connected(oauth_emu)
    oauth_emu.reset_stats()
    with httpx.Client(auth=auth) as http:
        for _ in range(3):
            assert http.get(oauth_emu.company_url(realm)).status_code == 200
    assert oauth_emu.refreshes() == 0 and auth.refresh_count == 0


def test_a_token_due_within_the_skew_is_refreshed_before_the_request(oauth_emu: Emu) -> None:
    auth, store, realm = connected(oauth_emu)
    before = store.load(realm)
    assert before is not None
    oauth_emu.advance(HOUR - 4 * 60)  # 4 minutes left: inside the 5-minute skew, still valid
    oauth_emu.reset_stats()
    with httpx.Client(auth=auth) as http:
        response = http.get(oauth_emu.company_url(realm))
    assert response.status_code == 200
    # Refreshed first: the old access token (still valid) was never sent.
    assert response.request.headers["Authorization"] != f"Bearer {before.access_token}"
    assert oauth_emu.refreshes() == 1 and oauth_emu.stats()["api_total"] == 1
    after = store.load(realm)
    assert after is not None and after.access_token != before.access_token
    assert response.request.headers["Authorization"] == f"Bearer {after.access_token}"


def test_a_401_refreshes_once_and_retries_the_request(oauth_emu: Emu) -> None:
    # The client's clock lags the emulator's: it believes the token is fresh.
    oauth = oauth_emu.oauth(oauth_emu.new_app(), clock=lambda: datetime.now(UTC))
    realm = oauth_emu.new_realm()
    store = MemoryTokenStore(oauth_emu.connect(oauth, realm))
    auth = RefreshingAuth(oauth, store)
    oauth_emu.advance(HOUR + 60)  # the access token expired on the server
    oauth_emu.reset_stats()
    with httpx.Client(auth=auth) as http:
        response = http.post(
            f"{oauth_emu.url}/v3/company/{realm}/customer",
            json={"DisplayName": "Retried after 401"},
        )
    assert response.status_code == 200, response.text
    assert oauth_emu.refreshes() == 1 and auth.refresh_count == 1
    assert oauth_emu.stats()["api_total"] == 2  # the refused request and its retry
    assert len(response.history) == 1 and response.history[0].status_code == 401


def test_a_revoked_grant_surfaces_as_reauthorization_required(oauth_emu: Emu) -> None:
    auth, store, realm = connected(oauth_emu, clock=lambda: datetime.now(UTC))
    token = store.load(realm)
    assert token is not None
    auth.oauth.revoke(token)
    oauth_emu.reset_stats()
    with httpx.Client(auth=auth) as http:
        with pytest.raises(ReauthorizationRequired) as failed:
            http.get(oauth_emu.company_url(realm))
        assert token.refresh_token not in str(failed.value)
        assert oauth_emu.refreshes() == 1
        # The refused refresh token is not sent again on every request.
        with pytest.raises(ReauthorizationRequired):
            http.get(oauth_emu.company_url(realm))
        assert oauth_emu.refreshes() == 1
    # Reconnecting stores a new token, and requests work again.
    store.save(oauth_emu.connect(auth.oauth, realm))
    with httpx.Client(auth=auth) as http:
        assert http.get(oauth_emu.company_url(realm)).status_code == 200


def test_no_stored_token_asks_for_a_connection(oauth_emu: Emu) -> None:
    oauth = oauth_emu.oauth(oauth_emu.new_app())
    auth = RefreshingAuth(oauth, MemoryTokenStore())
    with httpx.Client(auth=auth) as http, pytest.raises(ReauthorizationRequired, match="connect"):
        http.get(oauth_emu.company_url("123"))


def test_the_company_comes_from_the_url_or_the_realm_id(oauth_emu: Emu) -> None:
    auth, store, realm = connected(oauth_emu)
    with httpx.Client(auth=auth) as http, pytest.raises(AuthenticationError, match="company"):
        http.get(f"{oauth_emu.url}/v1/openid_connect/userinfo")
    pinned = RefreshingAuth(auth.oauth, store, realm_id=realm)
    with httpx.Client(auth=pinned) as http:
        assert http.get(f"{oauth_emu.url}/v1/openid_connect/userinfo").status_code == 200


def test_the_hard_expiry_is_tracked_warned_about_and_enforced(
    oauth_emu: Emu, caplog: pytest.LogCaptureFixture
) -> None:
    auth, store, realm = connected(oauth_emu)
    first = store.load(realm)
    assert first is not None and first.hard_expires_at is not None
    hard = first.hard_expires_at
    caplog.set_level(logging.WARNING, logger="qbo.client.auth")
    with httpx.Client(auth=auth) as http:
        # Use the connection every 90 days (the refresh token lives 100 days from last use)
        # until the five-year limit is less than 30 days away.
        while hard - oauth_emu.now() > timedelta(days=30 + 90):
            oauth_emu.advance(90 * DAY)
            assert http.get(oauth_emu.company_url(realm)).status_code == 200
        # the client's own records (the emulator's server thread may log its consent late)
        assert not [r for r in caplog.records if r.name.startswith("qbo.client")]
        oauth_emu.advance((hard - oauth_emu.now() - timedelta(days=20)).total_seconds())
        assert http.get(oauth_emu.company_url(realm)).status_code == 200
        assert http.get(oauth_emu.company_url(realm)).status_code == 200
        warnings = [r for r in caplog.records if "five-year limit" in r.getMessage()]
        assert len(warnings) == 1 and realm in warnings[0].getMessage()  # once, not per call
        token = store.load(realm)
        assert token is not None and token.hard_expires_at == pytest.approx(
            hard, abs=timedelta(seconds=5)
        )
        assert not any(token.refresh_token in r.getMessage() for r in caplog.records)
        oauth_emu.advance(21 * DAY)
        oauth_emu.reset_stats()
        with pytest.raises(ReauthorizationRequired) as ended:
            http.get(oauth_emu.company_url(realm))
    assert ended.value.code == "hard_expiry"
    assert oauth_emu.refreshes() == 0  # refused without asking the server


@pytest.mark.anyio
async def test_one_refresh_for_many_tasks_and_threads_in_one_process(oauth_emu: Emu) -> None:
    auth, _, realm = connected(oauth_emu)
    oauth_emu.advance(HOUR + 60)
    oauth_emu.reset_stats()
    url = oauth_emu.company_url(realm)
    thread_statuses: list[int] = []

    def sync_worker() -> None:
        with httpx.Client(auth=auth) as http:
            thread_statuses.extend(http.get(url).status_code for _ in range(2))

    threads = [threading.Thread(target=sync_worker) for _ in range(6)]
    async with httpx.AsyncClient(auth=auth, timeout=30) as http:
        for t in threads:
            t.start()
        responses = await asyncio.gather(*(http.get(url) for _ in range(50)))
        for t in threads:
            await asyncio.to_thread(t.join)
    assert [r.status_code for r in responses] == [200] * 50
    assert thread_statuses == [200] * 12
    assert oauth_emu.refreshes() == 1 and auth.refresh_count == 1


@pytest.mark.anyio
async def test_async_flow_refreshes_on_401(oauth_emu: Emu) -> None:
    auth, store, realm = connected(oauth_emu)
    token = store.load(realm)
    assert token is not None
    # The stored token claims another hour, but the server says it expired.
    store.save(replace(token, expires_at=oauth_emu.now() + timedelta(hours=3)))
    oauth_emu.advance(HOUR + 60)
    oauth_emu.reset_stats()
    async with httpx.AsyncClient(auth=auth) as http:
        response = await http.get(oauth_emu.company_url(realm))
    assert response.status_code == 200 and [r.status_code for r in response.history] == [401]
    assert oauth_emu.refreshes() == 1
    assert (await auth.aget_token(realm)).access_token == (store.load(realm) or token).access_token


def test_build_auth_chooses_by_what_is_configured(oauth_emu: Emu) -> None:
    env = oauth_emu.environment
    creds = ClientCredentials("id", "secret")
    store = MemoryTokenStore()
    assert build_auth(env, credentials=None, token_store=None, access_token=None) is None
    static = build_auth(env, credentials=None, token_store=None, access_token="abc")
    assert isinstance(static, BearerAuth) and "abc" not in repr(static)
    refreshing = build_auth(env, credentials=creds, token_store=store, access_token=None)
    assert isinstance(refreshing, RefreshingAuth) and refreshing.store is store
    assert refreshing.oauth.environment == env and "secret" not in repr(refreshing)
    with pytest.raises(ValueError):
        build_auth(env, credentials=creds, token_store=None, access_token=None)
    with pytest.raises(ValueError):
        build_auth(env, credentials=creds, token_store=store, access_token="abc")
