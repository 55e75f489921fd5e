"""1,000 creates through the client under injected faults, behind a load balancer.

Two emulators share one database (SQLite file, PostgreSQL schema) and each serves a real
loopback socket; the client's transport sends its requests to them in turn, so a retry
usually reaches the *other* server than the attempt that failed. Both inject the same
faults at random (seeded): 503 after the write committed, a connection reset before and
after commit, 429 and 500 before. The client's one ``requestid`` per logical write and
its retries must turn that into exactly 1,000 customers, none twice, and no error for the
caller. (``tests/client/test_retries.py`` runs the same storm in-process on one emulator.)
"""

from __future__ import annotations

import itertools
from typing import Any

import anyio
import httpx
import pytest

from qbo.client import AsyncClient, RetryEvent, RetryPolicy
from qbo.client.environment import emulator as emulator_environment
from qbo.query import col
from qbo.schema.models import Customer
from tests.emulator.helpers import count, snapshot
from tests.reliability.conftest import Twins

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

CREATES = 1000
WORKERS = 8
FAULTS = [
    {"kind": "status", "status": 503, "when": "after_commit", "probability": 0.1},
    {"kind": "reset", "when": "after_commit", "probability": 0.05},
    {"kind": "reset", "probability": 0.03},
    {"kind": "status", "status": 429, "probability": 0.05},
    {"kind": "status", "status": 500, "probability": 0.02},
]


class RoundRobin(httpx.AsyncBaseTransport):
    """Sends each request to the next server's port, as a load balancer would."""

    def __init__(self, urls: list[str]) -> None:
        self.ports = itertools.cycle([httpx.URL(url).port for url in urls])
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.url = request.url.copy_with(port=next(self.ports))
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


# SQLite is stormed in-process by tests/client/test_retries.py; here the shared-database
# pair on PostgreSQL, where the replica that answers a retry is a different process's peer.
@pytest.mark.parametrize("twin_emulators", ["postgres"], indirect=True)
async def test_1000_creates_under_chaos_end_as_1000_customers(
    twins: Twins, figures: dict[str, Any]
) -> None:
    for n, client in enumerate(twins.clients):
        for seed, rule in enumerate(FAULTS):
            match = {"method": "POST", "path_prefix": "customer"}
            added = await client.post(
                "/_emulator/faults",
                json={"realm": twins.realm, "match": match, "seed": 10 * n + seed, **rule},
            )
            assert added.status_code == 201, added.text
    retries: list[RetryEvent] = []
    qb = AsyncClient(
        twins.realm,
        environment=emulator_environment(twins.urls[0]),
        transport=RoundRobin(twins.urls),
        pacing=None,
        on_retry=retries.append,
        retry=RetryPolicy(
            max_attempts=12, backoff_base=0.001, backoff_max=0.005, throttle_wait=0.002, seed=3
        ),
    )
    names = [f"Chaos {n:04d}" for n in range(CREATES)]
    created: dict[str, str] = {}

    async def worker(chunk: list[str]) -> None:
        for name in chunk:
            customer = await qb.customers.create(Customer(DisplayName=name))
            created[name] = customer.Id or ""

    try:
        async with anyio.create_task_group() as tg:
            for w in range(WORKERS):
                tg.start_soon(worker, names[w::WORKERS])
        stored = await qb.customers.query(col("DisplayName").like("Chaos %"))
        fired: dict[str, int] = {}
        for emulator in twins.emulators:
            for rule in emulator.conditions.faults.list():
                parts = (rule.kind.value, rule.status, rule.when.value)
                key = "_".join(str(part) for part in parts if part)
                fired[key] = fired.get(key, 0) + rule.fired
    finally:
        await qb.aclose()
        for emulator in twins.emulators:
            emulator.reset_conditions()  # the emulators are shared by the module's tests

    assert len(created) == CREATES and len(set(created.values())) == CREATES
    assert sorted(c.DisplayName or "" for c in stored) == names
    assert {c.DisplayName: c.Id for c in stored} == created  # the Ids the caller was given
    api = twins.api(0)
    assert count(api, "Customer") == CREATES
    logged = [c for c in snapshot(api)["changes"] if c[0] == "Customer"]
    assert len(logged) == CREATES  # one create each in the change log, not one per attempt
    assert all(fired.values()), fired  # every kind of fault really happened
    assert len(retries) == sum(fired.values())  # each failure was retried, and only those
    figures.update(creates=CREATES, stored=len(stored), retries=len(retries), **fired)
