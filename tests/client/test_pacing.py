"""Pacing under Intuit's limits: the pacer's decisions, its stores, and a burst that never
draws a 429 from an emulator enforcing the same (scaled-down) limits."""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import anyio
import pytest

from qbo.client import (
    PacingLimits,
    RateLimitError,
    ResponseEvent,
    RetryPolicy,
)
from qbo.client.pacing import Cost, Entry, MemoryPacingStore, SqlitePacingStore, Ticket, decide
from qbo.schema.models import Customer
from tests.client.conftest import Stack
from tests.client.pacing_worker import hammer

LIMITS = PacingLimits(
    per_minute=5, per_second=2, concurrent=2, batch_per_minute=2, window_scale=1.0
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_decide_counts_in_flight_requests_against_concurrency() -> None:
    entries = [Entry(1, 0.0, None, 1, False), Entry(2, 0.0, None, 1, False)]
    assert decide(entries, Cost(), LIMITS, 0.5) == LIMITS.poll_interval
    entries[0].end = 0.5
    assert decide(entries, Cost(), LIMITS, 0.6) == pytest.approx(0.9)  # second window: 2 live


def test_a_request_counts_until_a_span_after_its_response() -> None:
    clock = FakeClock()
    store = MemoryPacingStore(clock)
    first = store.try_acquire("r", Cost(), LIMITS)
    assert isinstance(first, Ticket)
    clock.now += 5  # a slow response: admitted at 1000, answered at 1005
    store.release(first)
    second = store.try_acquire("r", Cost(), LIMITS)
    assert isinstance(second, Ticket)
    store.release(second)
    wait = store.try_acquire("r", Cost(), LIMITS)
    # Two requests ended at 1005: the per-second window frees one at 1006, not at 1001.
    assert wait == pytest.approx(1.0)


def test_minute_window_weights_batches_and_limits_batch_requests() -> None:
    clock = FakeClock()
    store = MemoryPacingStore(clock)
    ticket = store.try_acquire("r", Cost(weight=4, batch=True), LIMITS)
    assert isinstance(ticket, Ticket)
    store.release(ticket)
    clock.now += 2
    # 4 of 5 used in the minute: a batch of 2 must wait until the first one expires.
    assert store.try_acquire("r", Cost(weight=2, batch=True), LIMITS) == pytest.approx(58.0)
    single = store.try_acquire("r", Cost(), LIMITS)
    assert isinstance(single, Ticket)
    store.release(single)
    clock.now += 61
    assert isinstance(store.try_acquire("r", Cost(weight=30, batch=True), LIMITS), Ticket)


def test_realms_are_paced_separately() -> None:
    store = MemoryPacingStore(FakeClock())
    one = PacingLimits(per_minute=1, per_second=1, concurrent=1)
    assert isinstance(store.try_acquire("a", Cost(), one), Ticket)
    assert isinstance(store.try_acquire("b", Cost(), one), Ticket)
    assert not isinstance(store.try_acquire("a", Cost(), one), Ticket)


def test_sqlite_store_opens_its_schema_under_the_files_write_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Processes opening a new file together must not both create and stamp the schema:
    while one opens it, another cannot write (it waits on the lock)."""
    import sqlite3

    import qbo.client.pacing as pacing
    import qbo.migrations as migrations

    path = tmp_path / "pacing.db"
    probes: list[str] = []
    real_open = migrations.open_versioned

    def probing_open(*args: object, **kwargs: object) -> str:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            probes.append("other writer got in")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            probes.append(str(exc))
        finally:
            other.close()
        return real_open(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pacing, "open_versioned", probing_open)  # the name pacing calls
    store = SqlitePacingStore(path)
    assert isinstance(store.try_acquire("realm", Cost(), LIMITS), Ticket)
    assert probes == ["database is locked"]


@pytest.mark.slow
def test_sqlite_store_paces_several_processes_together(tmp_path: Path) -> None:
    path = str(tmp_path / "pacing.db")
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue[list[tuple[float, float]]] = ctx.Queue()
    workers = [ctx.Process(target=hammer, args=(path, 8, queue)) for _ in range(3)]
    for w in workers:
        w.start()
    spans = [span for _ in workers for span in queue.get(timeout=60)]
    for w in workers:
        w.join(30)
    assert len(spans) == 24
    second = 0.1  # per_second=4 over a 0.1 s "second"
    starts = sorted(s for s, _ in spans)
    # No 0.1 s window holds more than 4 admissions, across all three processes.
    for i, t in enumerate(starts):
        assert sum(1 for u in starts[i:] if u < t + second) <= 4
    # Never more than 2 in flight at once, across processes.
    for s, _ in spans:
        assert sum(1 for a, b in spans if a <= s < b) <= 2


@pytest.mark.slow
@pytest.mark.anyio
async def test_a_burst_paced_like_the_emulator_never_draws_a_429(stack: Stack) -> None:
    limits = {
        "per_minute": 30,
        "per_second": 4,
        "concurrent": 3,
        "batch_per_minute": 3,
        "batch_per_minute_realm": 100,
        "window_scale": 0.02,  # a "minute" of 1.2 s, a "second" of 20 ms
    }
    await stack.throttle(enabled=True, limits=limits)
    statuses: list[int | None] = []

    def seen(event: ResponseEvent) -> None:
        statuses.append(event.status)

    pacing = PacingLimits(
        per_minute=30, per_second=4, concurrent=3, batch_per_minute=3, window_scale=0.02
    )
    qb = stack.client(pacing=pacing, retry=RetryPolicy(max_attempts=1), on_response=seen)
    customer = await qb.customers.create(Customer(DisplayName="Paced"))

    async def reader(n: int) -> None:
        for _ in range(n):
            await qb.customers.get(customer.Id or "")

    async def batcher() -> None:
        batch = qb.batch()
        for _ in range(5):
            batch.query("SELECT * FROM Customer")
        result = await batch.execute()
        assert result.ok

    started = time.monotonic()
    async with anyio.create_task_group() as tg:
        for _ in range(6):
            tg.start_soon(reader, 14)  # 84 reads
        tg.start_soon(batcher)
        tg.start_soon(batcher)
    elapsed = time.monotonic() - started
    # 1 + 84 + 2 * 5 = 95 requests' worth > 3 windows of 30 per "minute".
    assert len(statuses) == 87 and 429 not in statuses and set(statuses) == {200}
    assert elapsed >= 2 * 1.2  # the pacer really held the burst back

    # Without pacing, the same emulator throttles the same burst at once.
    unpaced = stack.client(retry=RetryPolicy(max_attempts=1))
    with pytest.raises(RateLimitError):
        for _ in range(40):
            await unpaced.customers.get(customer.Id or "")


def test_sqlite_store_forgets_requests_of_a_crashed_process(tmp_path: Path) -> None:
    limits = PacingLimits(per_minute=100, per_second=100, concurrent=1, window_scale=0.001)
    crashed = SqlitePacingStore(tmp_path / "p.db", stale_after=0.05)
    assert isinstance(crashed.try_acquire("r", Cost(), limits), Ticket)  # never released
    survivor = SqlitePacingStore(tmp_path / "p.db", stale_after=0.05)
    assert not isinstance(survivor.try_acquire("r", Cost(), limits), Ticket)
    time.sleep(0.06)
    ticket = survivor.try_acquire("r", Cost(), limits)
    assert isinstance(ticket, Ticket)
    survivor.release(ticket)
    crashed.close()
    survivor.close()
