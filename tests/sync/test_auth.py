"""A sync pass whose access token QBO no longer accepts: one refresh, and the pass goes on.

The emulator runs in OAuth mode on a socket; the token comes from its OAuth flow and sits
in the encrypted file store the CLI uses. The client measures the token's hour on this
machine's clock while the emulator's clock is moved past it, so the client still thinks
the token good and learns otherwise only from QBO's 401: that answer, not the client's
early refresh, is what triggers the refresh here.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from qbo.client import AsyncClient
from qbo.client.auth import EncryptedFileTokenStore
from qbo.emulator import AuthMode, Emulator, EmulatorConfig, create_app
from qbo.sync import Mirror, Syncer
from qbo.sync.status import realm_status
from qbo.testing import ServerThread
from tests.client.auth.conftest import Emu, token_key
from tests.sync.conftest import FAST_RETRY

pytestmark = pytest.mark.anyio
__all__ = ["token_key"]  # the fixture, used by name

HOUR = 3600


@pytest.fixture
def oauth_emulator() -> Iterator[Emu]:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", auth=AuthMode.OAUTH))
    with ServerThread(create_app(emulator)) as url, httpx.Client(base_url=url, timeout=30) as http:
        yield Emu(emulator, url, http)
    emulator.close()


def wall_clock() -> datetime:
    return datetime.now(UTC)


async def test_a_401_refreshes_once_through_the_token_store_and_the_pass_completes(
    oauth_emulator: Emu, mirror: Mirror, tmp_path: Path, token_key: str
) -> None:
    emu = oauth_emulator
    app, realm = emu.new_app(), emu.new_realm()
    first = emu.connect(emu.oauth(app, clock=wall_clock), realm)
    store = EncryptedFileTokenStore(tmp_path / "tokens.bin")
    store.save(first)
    async with AsyncClient(
        realm,
        environment=emu.url,
        credentials=emu.credentials(app),
        token_store=store,
        pacing=None,
        retry=FAST_RETRY,
        clock=emu.now,  # CDC's look-back follows QBO's time
    ) as qb:
        syncer = Syncer(mirror, qb)
        assert (await syncer.run_once()).ok
        customer = await qb.customers.create({"DisplayName": "Made before the hour ran out"})
        assert emu.refreshes() == 0
        emu.advance(HOUR + 60)  # QBO now refuses the access token; the client does not know
        report = await syncer.run_once()
        again = await syncer.run_once()
        refreshes = emu.refreshes()

    assert report.ok and report.stopped is None, report
    assert report.changes["created"] == 1 and again.ok
    assert refreshes == 1
    stored = store.load(realm)
    assert stored is not None
    assert stored.access_token != first.access_token
    assert stored.expires_at > first.expires_at  # the refreshed token was saved
    assert realm_status(mirror, realm).state != "stopped"
    assert customer.Id is not None
