"""Pacing slots released by when QBO counted the request, not when it answered.

Over a socket the transport knows when each request was written and the connection's
round trip, so a slow answer does not hold its slot in the windows; in process it does not
know, and the slot is held until the response (the safe rule). A burst over a socket under
the emulator's throttle, with the realistic latency profile, still draws no 429.
"""

from __future__ import annotations

import sqlite3
import statistics
import time
from pathlib import Path

import anyio
import pytest

from qbo.client import AsyncClient, PacingLimits, ResponseEvent, RetryPolicy
from qbo.client.environment import emulator as emulator_environment
from qbo.client.pacing import (
    Cost,
    MemoryPacingStore,
    Pacer,
    SqlitePacingStore,
    Ticket,
    counted_ago,
)
from qbo.schema.models import Customer
from qbo.testing import ServerThread
from tests.client.conftest import Stack

LIMITS = PacingLimits(per_minute=100, per_second=2, concurrent=2)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class RecordingStore(MemoryPacingStore):
    """A memory store that remembers how long each released request held its slot."""

    def __init__(self) -> None:
        super().__init__()
        self.held: list[float] = []
        self._starts: dict[int, float] = {}

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float:
        got = super().try_acquire(key, cost, limits)
        if isinstance(got, Ticket):
            self._starts[got.id] = time.monotonic()
        return got

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        super().release(ticket, counted_ago)
        self.held.append(max(0.0, time.monotonic() - counted_ago - self._starts[ticket.id]))


def test_counted_ago_needs_both_timings_and_never_goes_negative() -> None:
    assert counted_ago(None, 0.01, 0.05, 10.0) == 0.0
    assert counted_ago(9.0, None, 0.05, 10.0) == 0.0
    assert counted_ago(9.0, 0.01, 0.05, 10.0) == pytest.approx(0.94)
    assert counted_ago(9.99, 0.01, 0.05, 10.0) == 0.0  # answered before the margin ran out


def test_a_request_counted_early_frees_its_window_early() -> None:
    clock = FakeClock()
    store = MemoryPacingStore(clock)
    tickets = [store.try_acquire("r", Cost(), LIMITS) for _ in range(2)]
    clock.now += 0.3  # both answered 300 ms after admission ...
    for ticket in tickets:
        assert isinstance(ticket, Ticket)
        store.release(ticket, counted_ago=0.25)  # ... but counted 50 ms after it
    assert store.try_acquire("r", Cost(), LIMITS) == pytest.approx(0.75)  # not 1.0
    clock.now += 0.75
    assert isinstance(store.try_acquire("r", Cost(), LIMITS), Ticket)


def test_a_release_is_never_dated_before_the_admission() -> None:
    clock = FakeClock()
    store = MemoryPacingStore(clock)
    ticket = store.try_acquire("r", Cost(), LIMITS)
    assert isinstance(ticket, Ticket)
    clock.now += 0.1
    store.release(ticket, counted_ago=5.0)
    # It still occupies the second that began when it was admitted.
    assert isinstance(store.try_acquire("r", Cost(), LIMITS), Ticket)
    assert store.try_acquire("r", Cost(), LIMITS) == pytest.approx(0.9)


def test_sqlite_store_dates_a_release_back_but_not_before_admission(tmp_path: Path) -> None:
    store = SqlitePacingStore(tmp_path / "pacing.db")
    ticket = store.try_acquire("r", Cost(), LIMITS)
    assert isinstance(ticket, Ticket)
    store.release(ticket, counted_ago=3600.0)
    with sqlite3.connect(tmp_path / "pacing.db") as conn:
        start, finish = conn.execute("SELECT start, finish FROM qbo_pacing").fetchone()
    assert finish == start
    store.close()


def test_arrival_margin_cannot_be_negative() -> None:
    with pytest.raises(ValueError, match="arrival_margin"):
        PacingLimits(arrival_margin=-0.1)


@pytest.mark.anyio
@pytest.mark.socket
async def test_slots_are_held_until_the_answer_only_when_the_write_time_is_unknown(
    stack: Stack,
) -> None:
    async with stack.control() as http:
        response = await http.post("/_emulator/latency", json={"profile": "realistic"})
        assert response.status_code == 200
    customer = await stack.client().customers.create(Customer(DisplayName="Slow reads"))
    assert customer.Id is not None
    limits = PacingLimits(arrival_margin=0.05)
    in_process = RecordingStore()
    qb = stack.client(pacing=Pacer(limits, in_process))
    with ServerThread(stack.app) as url:
        over_socket = RecordingStore()
        async with AsyncClient(
            stack.realm, environment=emulator_environment(url), pacing=Pacer(limits, over_socket)
        ) as remote:
            for _ in range(2):
                await remote.customers.get(customer.Id)
                await qb.customers.get(customer.Id)
    # Reads take 150 to 300 ms under the realistic profile: in process, a slot is held until
    # the answer; over a socket it ends at written + round trip + 50 ms, before any answer
    # can have come (the bound is the profile's floor, not a speed this machine must reach).
    assert min(in_process.held) >= 0.15
    assert max(over_socket.held) < 0.15


@pytest.mark.anyio
@pytest.mark.socket
async def test_a_paced_burst_over_a_socket_is_faster_and_never_draws_a_429(
    stack: Stack,
) -> None:
    # A "second" of 0.2 s holding 5 requests; reads take 150-300 ms. Holding each slot
    # until the answer would allow 5 per ~0.43 s; releasing by arrival allows 5 per ~0.25 s.
    scale = 0.2
    await stack.throttle(
        enabled=True,
        reset=True,
        limits={"per_minute": 1000, "per_second": 5, "concurrent": 5, "window_scale": scale},
    )
    async with stack.control() as http:
        response = await http.post("/_emulator/latency", json={"profile": "realistic", "seed": 3})
        assert response.status_code == 200
    customer = await stack.client().customers.create(Customer(DisplayName="Burst"))
    assert customer.Id is not None
    statuses: list[int | None] = []
    starts: list[float] = []

    def seen(event: ResponseEvent) -> None:
        statuses.append(event.status)

    pacing = PacingLimits(per_minute=1000, per_second=5, concurrent=5, window_scale=scale)
    with ServerThread(stack.app) as url:
        async with AsyncClient(
            stack.realm,
            environment=emulator_environment(url),
            pacing=pacing,
            retry=RetryPolicy(max_attempts=1),
            on_request=lambda event: starts.append(time.monotonic()),
            on_response=seen,
        ) as qb:
            deadline = time.monotonic() + 1.6

            async def reader() -> None:
                while time.monotonic() < deadline:
                    await qb.customers.get(customer.Id or "")

            async with anyio.create_task_group() as tg:
                for _ in range(8):
                    tg.start_soon(reader)
    assert statuses and set(statuses) == {200}
    cycle = statistics.median(b - a for a, b in zip(starts, starts[5:], strict=False))
    assert cycle < 0.35  # five requests per ~0.25 s, not per ~0.43 s
