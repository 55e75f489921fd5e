"""``qbo.Client`` / ``qbo.AsyncClient`` with credentials and a token store: the OAuth
pieces wired in through ``build_auth``, against the emulator in OAuth mode."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbo import AsyncClient, Client
from qbo.client.auth import EncryptedFileTokenStore, MemoryTokenStore
from qbo.client.errors import ReauthorizationRequired
from tests.client.auth.conftest import Emu

HOUR = 3600


def test_sync_client_refreshes_through_the_token_store(
    oauth_emu: Emu, tmp_path: Path, token_key: str
) -> None:
    app = oauth_emu.new_app()
    realm = oauth_emu.new_realm()
    first = oauth_emu.connect(oauth_emu.oauth(app), realm)
    store = EncryptedFileTokenStore(tmp_path / "tokens.bin")
    store.save(first)
    oauth_emu.advance(HOUR + 60)  # the stored access token has expired on the server
    oauth_emu.reset_stats()
    with Client(
        realm,
        environment=oauth_emu.url,
        credentials=oauth_emu.credentials(app),
        token_store=store,
        pacing=None,
    ) as qb:
        created = qb.customers.create({"DisplayName": "Through the client"})
        assert qb.customers.get(created.Id or "").DisplayName == "Through the client"
    assert oauth_emu.refreshes() == 1
    stored = store.load(realm)
    assert stored is not None and stored.access_token != first.access_token


@pytest.mark.anyio
async def test_async_client_surfaces_a_revoked_connection(oauth_emu: Emu) -> None:
    app = oauth_emu.new_app()
    realm = oauth_emu.new_realm()
    oauth = oauth_emu.oauth(app)
    token = oauth_emu.connect(oauth, realm)
    oauth.revoke(token)
    async with AsyncClient(
        realm,
        environment=oauth_emu.url,
        credentials=oauth_emu.credentials(app),
        token_store=MemoryTokenStore(token),
        pacing=None,
    ) as qb:
        with pytest.raises(ReauthorizationRequired):
            await qb.customers.create({"DisplayName": "Never"})
