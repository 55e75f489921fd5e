"""The latency profiles: seeded, within QBO-like ranges, switchable at runtime."""

from __future__ import annotations

import time

import pytest

from qbo.emulator.latency import PROFILES, Latency, request_kind
from tests.emulators import MakePrivate, decode, in_process

pytestmark = pytest.mark.anyio


def test_kinds_ranges_and_seed() -> None:
    assert request_kind("GET", "customer/5") == "read"
    assert request_kind("GET", "query") == "query"
    assert request_kind("POST", "query") == "query"
    assert request_kind("GET", "cdc") == "query"
    assert request_kind("GET", "reports/ProfitAndLoss") == "query"
    assert request_kind("POST", "invoice") == "write"
    assert request_kind("POST", "batch") == "batch"
    realistic = Latency("realistic", seed=5)
    for kind, (low, high) in PROFILES["realistic"].items():
        delays = [realistic.delay(kind) for _ in range(50)]
        assert all(low <= d <= high for d in delays)
    assert [Latency("realistic", 9).delay("read") for _ in range(3)] == [
        Latency("realistic", 9).delay("read") for _ in range(3)
    ]
    first, second = Latency("realistic", 1), Latency("realistic", 2)
    assert [first.delay("write") for _ in range(5)] != [second.delay("write") for _ in range(5)]
    assert Latency().delay("write") == 0.0
    with pytest.raises(ValueError):
        Latency("glacial")


async def test_realistic_profile_through_the_control_plane(private: MakePrivate) -> None:
    emu = private(latency="realistic", latency_seed=3)
    async with in_process(emu.app) as client:
        state = decode(await client.get("/_emulator/latency"))
        assert state["profile"] == "realistic" and state["seed"] == 3
        assert state["ranges_ms"]["read"] == [150, 300]
        # What was delayed is read from the profile's count, not from how long a request
        # took (a loaded machine makes anything slow); a lower bound on time is safe.
        latency = emu.emulator.conditions.latency
        started = time.monotonic()
        assert (await client.get(emu.path("preferences"))).status_code == 200
        assert time.monotonic() - started >= 0.15
        assert latency.delays_given == 1 and 0.15 <= latency.seconds_given <= 0.3
        assert (await client.get("/_emulator/health")).status_code == 200  # never delayed
        assert latency.delays_given == 1
        off = await client.post("/_emulator/latency", json={"profile": "none"})
        assert decode(off)["profile"] == "none"
        assert (await client.get(emu.path("preferences"))).status_code == 200
        assert latency.delays_given == 1
        for bad in ({"profile": "slow"}, {"seed": "x"}, {"speed": 1}):
            assert (await client.post("/_emulator/latency", json=bad)).status_code == 400
