"""Throttling over a real loopback socket, with limits and windows scaled down.

Throttling runs on real time, so these tests wait for real windows; every window is at
most half a second and every burst a handful of requests.
"""

from __future__ import annotations

import asyncio
import xml.etree.ElementTree as ET
from typing import Any

import httpx
import pytest

from qbo.cli.emulator_faults import surface_config
from qbo.emulator import EmulatorConfig
from qbo.emulator.throttle import (
    LimitsError,
    Throttle,
    ThrottleLimits,
    ThrottleSettings,
    parse_limits,
)
from tests.emulators import MakePrivate, decode

pytestmark = pytest.mark.anyio

GATEWAY_429 = {
    "fault": {
        "error": [
            {
                "message": "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                "detail": "The request limit was reached.  Try again later",
                "code": "3001",
                "element": None,
            }
        ],
        "type": "SERVICE",
    }
}


async def test_per_second_limit_answers_the_gateway_429_and_recovers(
    private: MakePrivate,
) -> None:
    settings = ThrottleSettings(True, ThrottleLimits(per_second=5, window_scale=0.5))
    emu = private(throttle=settings)
    # The window runs on a clock the test steps: a loaded machine cannot stretch the burst
    # past the window.
    now = [1000.0]
    emu.emulator.conditions.throttle = Throttle(settings, now=lambda: now[0])
    url = emu.serve()
    path = emu.path(f"companyinfo/{emu.realm.realm_id}")
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        statuses = [(await client.get(path)).status_code for _ in range(7)]
        assert statuses == [200] * 5 + [429] * 2
        refused = await client.get(path)
        assert refused.status_code == 429
        body = decode(refused)
        assert isinstance(body.pop("time"), int)  # epoch milliseconds, as the gateway sends
        assert body == GATEWAY_429
        assert "retry-after" not in refused.headers
        assert refused.headers["intuit_tid"]
        now[0] += 0.49
        assert (await client.get(path)).status_code == 429  # the scaled window is 0.5 s
        now[0] += 0.06
        assert (await client.get(path)).status_code == 200


async def test_batch_items_count_against_the_minute(private: MakePrivate) -> None:
    emu = private(
        throttle=ThrottleSettings(
            True, ThrottleLimits(per_minute=10, per_second=100, window_scale=0.05)
        )
    )
    url = emu.serve()
    query = {"Query": "select * from Account"}

    def batch_of(n: int) -> dict[str, Any]:
        return {"BatchItemRequest": [{"bId": str(i), **query} for i in range(n)]}

    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        assert (await client.post(emu.path("batch"), json=batch_of(8))).status_code == 200
        assert (await client.post(emu.path("batch"), json=batch_of(3))).status_code == 429
        read = emu.path("preferences")
        assert [(await client.get(read)).status_code for _ in range(3)] == [200, 200, 429]


async def test_batch_requests_per_minute(private: MakePrivate) -> None:
    emu = private(throttle=ThrottleSettings(True, ThrottleLimits(batch_per_minute=2)))
    url = emu.serve()
    body = {"BatchItemRequest": [{"bId": "1", "Query": "select * from Term"}]}
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        statuses = [(await client.post(emu.path("batch"), json=body)).status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        assert (await client.get(emu.path("preferences"))).status_code == 200


class AppFromHeader:
    """Stands in for the auth layer: tells apps apart by an ``x-app`` header."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            headers = dict(scope["headers"])
            if b"x-app" in headers:
                scope.setdefault("state", {})["app_id"] = headers[b"x-app"].decode()
        await self.app(scope, receive, send)


async def from_header(scope: Any) -> str | None:
    """An app resolver as the OAuth layer would register one (here: a header)."""
    for key, value in scope["headers"]:
        if key == b"x-app":
            return str(value.decode())
    return None


@pytest.mark.parametrize("hook", ["state", "resolver"])
async def test_per_second_is_per_app_and_per_minute_per_realm(
    private: MakePrivate, hook: str
) -> None:
    emu = private(throttle=ThrottleSettings(True, ThrottleLimits(per_second=3, per_minute=5)))
    if hook == "state":
        emu.app = AppFromHeader(emu.app)  # type: ignore[assignment]
    else:
        emu.emulator.conditions.app_resolvers.append(from_header)
    try:
        url = emu.serve()
        path = emu.path("preferences")
        async with httpx.AsyncClient(base_url=url, timeout=10) as client:

            async def get(app: str) -> int:
                return (await client.get(path, headers={"x-app": app})).status_code

            assert [await get("a") for _ in range(4)] == [200, 200, 200, 429]
            assert [await get("b") for _ in range(2)] == [200, 200]  # b has its own second
            assert await get("b") == 429  # ... but the realm's minute (5) is full
    finally:
        if from_header in emu.emulator.conditions.app_resolvers:
            emu.emulator.conditions.app_resolvers.remove(from_header)


async def test_concurrent_requests_per_realm_and_app(private: MakePrivate) -> None:
    emu = private(throttle=ThrottleSettings(True, ThrottleLimits(concurrent=3)))
    url = emu.serve()
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        # Each admitted read is held 2 s, far longer than five requests take to arrive
        # even on a loaded machine (at 400 ms the first ones could finish before the last
        # arrived, and fewer than two were refused).
        added = await client.post(
            "/_emulator/faults",
            json={"kind": "latency", "latency_ms": 2000, "match": {"path_prefix": "preferences"}},
        )
        assert added.status_code == 201
        responses = await asyncio.gather(*(client.get(emu.path("preferences")) for _ in range(5)))
        assert sorted(r.status_code for r in responses) == [200, 200, 200, 429, 429]
        assert (await client.get(emu.path("preferences"))).status_code == 200  # slots freed


async def test_control_plane_switches_xml_retry_after_and_off(private: MakePrivate) -> None:
    emu = private(throttle=ThrottleSettings(enabled=True))
    url = emu.serve()
    path = emu.path("preferences")
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        state = decode(await client.get("/_emulator/throttle"))
        assert state == {
            "enabled": True,
            "limits": {
                "per_minute": 500,
                "per_second": 10,
                "concurrent": 10,
                "batch_per_minute": 40,
                "batch_per_minute_realm": 120,
                "window_scale": 1.0,
            },
            "retry_after": None,
            "xml": False,
        }
        changed = await client.post(
            "/_emulator/throttle",
            json={"xml": True, "retry_after": 7, "limits": {"per_second": 1}},
        )
        assert decode(changed)["limits"]["per_second"] == 1
        assert (await client.get(path)).status_code == 200
        refused = await client.get(path)
        assert refused.status_code == 429
        assert refused.headers["retry-after"] == "7"
        assert refused.headers["content-type"].startswith("application/xml")
        root = ET.fromstring(refused.text)
        ns = {"q": "http://schema.intuit.com/finance/v3"}
        assert root.tag == "{http://schema.intuit.com/finance/v3}IntuitResponse"
        assert root.attrib["time"].endswith(("-07:00", "-08:00"))  # the company's offset
        fault = root.find("q:Fault", ns)
        assert fault is not None and fault.attrib["type"] == "SERVICE"
        error = fault.find("q:Error", ns)
        assert error is not None and error.attrib["code"] == "3001"
        assert error.findtext("q:Message", namespaces=ns) == (
            "message=ThrottleExceeded; errorCode=003001; statusCode=429"
        )
        assert error.findtext("q:Detail", namespaces=ns) == (
            "The request limit was reached.  Try again later"
        )
        # The control plane and other paths are never throttled.
        health = [(await client.get("/_emulator/health")).status_code for _ in range(5)]
        assert health == [200] * 5
        await client.post("/_emulator/throttle", json={"enabled": False})
        assert [(await client.get(path)).status_code for _ in range(5)] == [200] * 5
        for bad in (
            {"limits": {"per_second": 0}},
            {"limits": {"nope": 1}},
            {"limits": 5},
            {"enabled": "yes"},
            {"retry_after": -1},
            {"colour": "red"},
        ):
            response = await client.post("/_emulator/throttle", json=bad)
            assert response.status_code == 400, bad
            assert decode(response)["error"]


def test_defaults_and_limit_parsing() -> None:
    assert EmulatorConfig().throttle.enabled is False  # library and tests: off
    served = surface_config("on", None, None, False, "none", 0)  # `qbo emulator serve`: on
    assert served["throttle"].enabled is True
    assert served["throttle"].limits == ThrottleLimits()
    assert surface_config("off", None, None, False, "none", 0)["throttle"].enabled is False
    limits = parse_limits("per_second=5, window_scale=0.5,concurrent=2")
    assert (limits.per_second, limits.window_scale, limits.concurrent) == (5, 0.5, 2)
    assert limits.per_minute == 500
    for bad in ("per_second", "per_second=x", "per_second=0", "speed=3", "window_scale=-1"):
        with pytest.raises(LimitsError):
            parse_limits(bad)


def test_sliding_windows_on_a_fake_clock() -> None:
    now = [0.0]
    throttle = Throttle(
        ThrottleSettings(True, ThrottleLimits(per_second=2, per_minute=3)), lambda: now[0]
    )
    first = throttle.admit("r", "a")
    assert not isinstance(first, str)
    first.release()
    assert not isinstance(throttle.admit("r", "a"), str)
    assert throttle.admit("r", "a") == "per_second"
    now[0] = 1.01
    assert not isinstance(throttle.admit("r", "a"), str)
    assert throttle.admit("r", "b") == "per_minute"  # refused requests are not counted
    now[0] = 60.02
    assert not isinstance(throttle.admit("r", "b"), str)
    assert throttle.admit("r", "b", weight=3) == "per_minute"  # a 3-item batch
