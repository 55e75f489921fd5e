"""Two emulators in one process share nothing: every piece of state belongs to one object."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.oauth import oauth_for
from qbo.emulator.throttle import ThrottleLimits, ThrottleSettings
from qbo.emulator.webhooks import webhooks_for

pytestmark = pytest.mark.anyio


@pytest.fixture
def pair() -> Iterator[tuple[Emulator, Emulator]]:
    # per_minute is large and per_second 3: the fourth request within a second is refused,
    # and with window_scale the "second" is long enough that a loaded machine still fits.
    limits = ThrottleLimits(per_second=3, per_minute=1000, window_scale=60)
    config = EmulatorConfig(db=":memory:", seed="empty", throttle=ThrottleSettings(True, limits))
    first, second = Emulator.open(config), Emulator.open(config)
    yield first, second
    first.close()
    second.close()


def test_each_emulator_owns_its_parts(pair: tuple[Emulator, Emulator]) -> None:
    first, second = pair
    assert first.conditions is not second.conditions
    assert first.conditions.throttle is not second.conditions.throttle
    assert first.conditions.faults is not second.conditions.faults
    assert first.stats is not second.stats
    assert oauth_for(first) is first.oauth is not second.oauth
    assert webhooks_for(first) is first.webhooks is not second.webhooks
    assert first.oauth.keys.jwk() != second.oauth.keys.jwk()  # separate databases, keys


async def test_state_changed_on_one_is_not_seen_by_the_other(
    pair: tuple[Emulator, Emulator],
) -> None:
    first, second = pair
    first_realm = first.realms.list()[0].realm_id
    second_realm = second.realms.list()[0].realm_id
    async with (
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(first)), base_url="http://a"
        ) as a,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=create_app(second)), base_url="http://b"
        ) as b,
    ):

        def first_path() -> str:
            return f"/v3/company/{first_realm}/preferences"

        def second_path() -> str:
            return f"/v3/company/{second_realm}/preferences"

        # request counters (both companies have the same realm id: separate databases)
        assert [(await a.get(first_path())).status_code for _ in range(2)] == [200, 200]
        assert (await b.get(second_path())).status_code == 200
        assert (await a.get("/_emulator/stats")).json()["api_total"] == 2
        assert (await b.get("/_emulator/stats")).json()["api_total"] == 1

        # the throttle's counts: the first emulator's second is full, the second's is not
        assert [(await a.get(first_path())).status_code for _ in range(2)] == [200, 429]
        assert (await b.get(second_path())).status_code == 200

        # a fault rule on the first emulator only
        added = await a.post("/_emulator/faults", json={"kind": "status", "status": 503})
        assert added.status_code == 201, added.text
        assert len((await a.get("/_emulator/faults")).json()) == 1
        assert (await b.get("/_emulator/faults")).json() == []
        assert (await b.get(second_path())).status_code == 200
