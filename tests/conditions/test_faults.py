"""Fault injection: statuses before and after commit, connection resets (in-process and
over a socket), latency, matching, and a storm under which no data is lost or corrupted."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from qbo.emulator.faults import FaultRegistry
from tests.conftest import Api
from tests.emulators import MakePrivate, Private, decode, in_process

pytestmark = pytest.mark.anyio


@asynccontextmanager
async def client_of(emu: Private, transport: str) -> AsyncIterator[httpx.AsyncClient]:
    if transport == "inproc":
        async with in_process(emu.app) as client:
            yield client
    else:
        async with httpx.AsyncClient(base_url=emu.serve(), timeout=10) as client:
            yield client


async def add_fault(client: httpx.AsyncClient, **rule: Any) -> dict[str, Any]:
    response = await client.post("/_emulator/faults", json=rule)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = decode(response)
    return created


def customers(emu: Private) -> list[dict[str, Any]]:
    with emu.session() as s:
        return s.all("Customer")


def create_changes(emu: Private, entity: str) -> int:
    changes = emu.emulator.store.tables.changes
    with emu.emulator.store.read() as conn:
        return int(
            conn.execute(
                select(func.count())
                .select_from(changes)
                .where(changes.c.entity == entity, changes.c.operation == "Create")
            ).scalar_one()
        )


@pytest.mark.parametrize("transport", ["inproc", "socket"])
async def test_status_before_commit_changes_nothing(private: MakePrivate, transport: str) -> None:
    emu = private()
    async with client_of(emu, transport) as client:
        rule = await add_fault(client, kind="status", status=503, count=1, match={"method": "POST"})
        assert rule["id"] and rule["remaining"] == 1 and rule["when"] == "before_commit"
        api = emu.api(client)
        response = await api.post("customer", {"DisplayName": "Not Yet"})
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert "503 Service Unavailable" in response.text
        assert customers(emu) == []
        created = await api.create("Customer", {"DisplayName": "Not Yet"})  # count exhausted
        assert created["DisplayName"] == "Not Yet"
        (listed,) = decode(await client.get("/_emulator/faults"))
        assert (listed["fired"], listed["remaining"]) == (1, 0)


@pytest.mark.parametrize("transport", ["inproc", "socket"])
async def test_after_commit_the_object_exists_and_requestid_replays(
    private: MakePrivate, transport: str
) -> None:
    emu = private()
    async with client_of(emu, transport) as client:
        await add_fault(client, kind="status", status=503, when="after_commit", count=1)
        api = emu.api(client)
        body = {"DisplayName": "Committed Anyway"}
        failed = await api.post("customer", body, requestid="req-1")
        assert failed.status_code == 503
        (stored,) = customers(emu)
        assert stored["DisplayName"] == "Committed Anyway"
        retried = await api.create("Customer", body, requestid="req-1")
        assert retried == stored  # the original answer, not a second customer
        assert len(customers(emu)) == 1


async def test_500_and_429_bodies(private: MakePrivate) -> None:
    emu = private()
    async with client_of(emu, "inproc") as client:
        api = emu.api(client)
        await add_fault(client, kind="status", status=500, count=1)
        error = await api.fault(await api.get("preferences"), 500)
        assert error["code"] == "10000"
        await add_fault(client, kind="status", status=429, count=1, retry_after=3)
        refused = await api.get("preferences")
        assert refused.status_code == 429 and refused.headers["retry-after"] == "3"
        assert decode(refused)["fault"]["error"][0]["code"] == "3001"
        assert (await api.get("preferences")).status_code == 200


async def test_reset_in_process_raises_a_transport_error(private: MakePrivate) -> None:
    emu = private()
    async with client_of(emu, "inproc") as client:
        api = emu.api(client)
        await add_fault(client, kind="reset", count=1)
        with pytest.raises(httpx.TransportError):
            await api.post("customer", {"DisplayName": "Dropped"})
        assert customers(emu) == []
        await add_fault(client, kind="reset", when="after_commit", count=1)
        with pytest.raises(httpx.TransportError):
            await api.post("customer", {"DisplayName": "Dropped"}, requestid="r")
        assert [c["DisplayName"] for c in customers(emu)] == ["Dropped"]


async def test_reset_over_a_socket_drops_the_connection(private: MakePrivate) -> None:
    emu = private()
    async with client_of(emu, "socket") as client:
        api = emu.api(client)
        await add_fault(client, kind="reset", count=1, match={"path_prefix": "customer"})
        with pytest.raises(httpx.TransportError):
            await api.post("customer", {"DisplayName": "Dropped"})
        assert customers(emu) == []
        await add_fault(client, kind="reset", when="after_commit", count=1)
        with pytest.raises(httpx.TransportError):
            await api.post("customer", {"DisplayName": "Kept"}, requestid="k")
        (kept,) = customers(emu)
        assert await api.create("Customer", {"DisplayName": "Kept"}, requestid="k") == kept
        assert (await api.get("preferences")).status_code == 200  # the server is fine


async def test_latency_and_matching(private: MakePrivate) -> None:
    emu = private()
    other = emu.emulator.realms.create("empty").realm_id
    async with client_of(emu, "inproc") as client:
        api = emu.api(client)
        await add_fault(client, kind="latency", latency_ms=250, count=1)
        started = time.monotonic()
        assert (await api.get("preferences")).status_code == 200
        assert time.monotonic() - started >= 0.25
        # Rules that do not match leave requests alone.
        await add_fault(client, kind="status", status=503, match={"path_prefix": "invoice"})
        await add_fault(client, kind="status", status=503, match={"method": "GET"}, realm=other)
        await add_fault(client, kind="status", status=502, match={"path_prefix": "/nowhere"})
        assert (await api.get("preferences")).status_code == 200
        assert (await client.get(f"/v3/company/{other}/preferences")).status_code == 503
        assert (await api.post("invoice", {})).status_code == 503
        await add_fault(client, kind="status", status=504, match={"path_prefix": "/"})
        assert (await api.get("preferences")).status_code == 504
        assert (await client.get("/_emulator/faults")).status_code == 200  # never faulted
        assert decode(await client.delete("/_emulator/faults")) == {"deleted": 5}
        assert (await api.get("preferences")).status_code == 200


async def test_fault_rules_are_validated(private: MakePrivate) -> None:
    emu = private()
    async with client_of(emu, "inproc") as client:
        for bad in (
            {"kind": "explode"},
            {"kind": "status"},
            {"kind": "status", "status": 404},
            {"kind": "status", "status": 503, "latency_ms": 5},
            {"kind": "latency"},
            {"kind": "reset", "when": "later"},
            {"kind": "reset", "probability": 0},
            {"kind": "reset", "probability": 2},
            {"kind": "reset", "count": 0},
            {"kind": "reset", "match": {"host": "x"}},
            {"kind": "reset", "colour": "red"},
            {"kind": "status", "status": 503, "retry_after": 3},
        ):
            response = await client.post("/_emulator/faults", json=bad)
            assert response.status_code == 400, (bad, response.text)
            assert decode(response)["error"]
        assert (await client.delete("/_emulator/faults/f99")).status_code == 404


def test_probability_is_seeded() -> None:
    def firings(seed: int) -> list[bool]:
        registry = FaultRegistry()
        registry.add({"kind": "status", "status": 503, "probability": 0.3, "seed": seed})
        return [
            registry.plan("GET", "/v3/company/1/x", "1", "x").action is not None for _ in range(200)
        ]

    draws = random.Random(42)
    assert firings(42) == [draws.random() < 0.3 for _ in range(200)]
    assert firings(42) != firings(43)
    assert 30 < sum(firings(42)) < 90


@pytest.mark.parametrize("transport", ["inproc", "socket"])
async def test_a_storm_of_faults_loses_and_corrupts_nothing(
    private: MakePrivate, transport: str
) -> None:
    """Writes retried with their requestid through random failures land exactly once."""
    emu = private()
    n = 25 if transport == "inproc" else 10  # a socket round trip costs ~50 ms here
    async with client_of(emu, transport) as client:
        api: Api = emu.api(client)
        for rule in (
            {"kind": "status", "status": 503, "when": "after_commit", "probability": 0.25},
            {"kind": "status", "status": 500, "probability": 0.15},
            {"kind": "reset", "when": "after_commit", "probability": 0.15},
            {"kind": "reset", "probability": 0.1},
            {"kind": "status", "status": 429, "probability": 0.1},
        ):
            await add_fault(client, match={"method": "POST"}, seed=7, **rule)

        async def until_ok(rest: str, body: dict[str, Any], request_id: str) -> dict[str, Any]:
            for _attempt in range(60):
                try:
                    response = await api.post(rest, body, requestid=request_id)
                except httpx.TransportError:
                    continue
                if response.status_code == 200:
                    data: dict[str, Any] = decode(response)
                    return data
                assert response.status_code in (429, 500, 503), response.text
            raise AssertionError(f"{request_id} never succeeded")

        made: dict[str, dict[str, Any]] = {}
        for i in range(n):
            made[f"Storm {i}"] = (
                await until_ok("customer", {"DisplayName": f"Storm {i}"}, f"c-{i}")
            )["Customer"]
        for i in range(n):
            doc = made[f"Storm {i}"]
            body = {"Id": doc["Id"], "SyncToken": "0", "sparse": True, "Notes": f"n{i}"}
            made[f"Storm {i}"] = (await until_ok("customer", body, f"u-{i}"))["Customer"]
        fired = sum(rule["fired"] for rule in decode(await client.get("/_emulator/faults")))
        assert fired >= n // 2  # the storm really happened

    stored = {c["DisplayName"]: c for c in customers(emu)}
    assert stored == made  # every write once, as its (replayed) answer said
    assert all(c["SyncToken"] == "1" and c["Notes"] for c in stored.values())
    assert create_changes(emu, "Customer") == n
