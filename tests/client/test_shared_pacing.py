"""Pacing shared through PostgreSQL and Redis: processes count their requests together.

The windows are checked on the admission times the store itself wrote (the server's
clock), so the verdict does not depend on how fast this machine runs the workers.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import secrets
import time
from collections.abc import Iterator

import pytest

from qbo.client.pacing import Cost, PacingLimits, Ticket
from qbo.client.shared_pacing import PostgresPacingStore, RedisPacingStore
from tests.client.shared_pacing_worker import LIMITS, hammer, store
from tests.conftest import PG_URL

REDIS_URL = os.environ.get("QBO_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
REQUIRE_REDIS = os.environ.get("QBO_REQUIRE_REDIS") == "1"


@pytest.fixture(params=["postgres", "redis"])
def shared(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, str]]:
    kind = str(request.param)
    if kind == "postgres":
        schema = request.getfixturevalue("pg_schema")  # this session's, dropped at its end
        import psycopg

        with psycopg.connect(PG_URL.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
            conn.execute(f'DROP TABLE IF EXISTS "{schema}".qbo_pacing')
        yield kind, PG_URL, schema
    else:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.RedisError as exc:
            if REQUIRE_REDIS:
                pytest.fail(f"Redis at {REDIS_URL} is not reachable: {exc}")
            pytest.skip(f"Redis at {REDIS_URL} is not reachable")
        scope = f"qbo-test-{secrets.token_hex(4)}"
        yield kind, REDIS_URL, scope
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{scope}:*"):
            client.delete(key)


def _admissions(kind: str, target: str, scope: str) -> list[tuple[float, float]]:
    """(start, finish) of every entry the store holds, in the store's own clock."""
    if kind == "postgres":
        import psycopg

        with psycopg.connect(target.replace("+psycopg", "")) as conn:
            rows = conn.execute(f'SELECT start, finish FROM "{scope}".qbo_pacing').fetchall()
        return [(float(a), float(b)) for a, b in rows]
    import redis

    stored = redis.Redis.from_url(target).hgetall(f"{scope}:realm")
    return [tuple(json.loads(v)[:2]) for v in stored.values()]  # type: ignore[misc]


def test_processes_share_the_limits(shared: tuple[str, str, str]) -> None:
    kind, target, scope = shared
    ctx = multiprocessing.get_context("spawn")
    workers = [ctx.Process(target=hammer, args=(kind, target, scope, 8)) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(120)
        assert w.exitcode == 0
    spans = _admissions(kind, target, scope)
    assert len(spans) == 24 and all(end is not None for _, end in spans)
    second = LIMITS.second  # per_second=4 over a 0.1 s "second"
    starts = sorted(s for s, _ in spans)
    for i, t in enumerate(starts):  # no window holds more than 4 admissions
        assert sum(1 for u in starts[i:] if u < t + second) <= LIMITS.per_second
    for s, _ in spans:  # never more than 2 in flight at once, across processes
        assert sum(1 for a, b in spans if a <= s < b) <= LIMITS.concurrent


def test_a_dead_worker_stops_counting_after_stale_after(shared: tuple[str, str, str]) -> None:
    kind, target, scope = shared
    limits = PacingLimits(per_minute=100, per_second=100, concurrent=1, window_scale=0.001)
    crashed = store(kind, target, scope)
    crashed.stale_after = 0.2
    assert isinstance(crashed.try_acquire("dead", Cost(), limits), Ticket)  # never released
    survivor = store(kind, target, scope)
    survivor.stale_after = 0.2
    assert not isinstance(survivor.try_acquire("dead", Cost(), limits), Ticket)
    deadline = time.monotonic() + 30
    while not isinstance(ticket := survivor.try_acquire("dead", Cost(), limits), Ticket):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    survivor.release(ticket)
    crashed.close()
    survivor.close()


def test_no_io_until_first_use() -> None:
    PostgresPacingStore("postgresql://nobody@127.0.0.1:1/none")
    RedisPacingStore("redis://127.0.0.1:1/0")
