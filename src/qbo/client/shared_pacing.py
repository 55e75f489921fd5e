"""Pacing stores shared by processes on many machines: PostgreSQL and Redis.

A fleet of workers that talk to the same companies must count their requests together, or
each stays under Intuit's limits while all of them together do not. These stores keep the
request log of :mod:`qbo.client.pacing` where every worker sees it, and make each
admission decision atomic across machines:

* :class:`PostgresPacingStore`: a table (``qbo_pacing``) in a database the workers share
  (the sync fleet's own); each decision runs in one transaction holding an advisory lock
  on the realm's key, and times come from the database's clock, so workers whose clocks
  differ still agree. Needs ``qbo[postgres]``.
* :class:`RedisPacingStore`: one sorted list per key, decided under ``WATCH`` (an
  optimistic transaction retried when another worker wrote first), times from Redis'
  ``TIME``. Needs the ``redis`` package (``qbo[sync]``).

The decision itself is :func:`qbo.client.pacing.decide`, the same as in one process. An
entry left open by a worker that died stops counting as in flight after ``stale_after``
seconds. Both stores do blocking I/O: a round trip to the shared server per decision.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

from qbo.client.pacing import Cost, Entry, PacingLimits, Ticket, decide

DEFAULT_STALE_AFTER = 300.0


def live_entries(
    rows: Iterable[tuple[int, float, float | None, int, bool]], now: float, stale_after: float
) -> list[Entry]:
    """Entries of the log; one open for longer than ``stale_after`` counts as ended then."""
    entries = []
    for entry_id, start, finish, weight, batch in rows:
        if finish is None and now - start > stale_after:
            finish = start + stale_after
        entries.append(Entry(entry_id, start, finish, weight, batch))
    return entries


def horizon(limits: PacingLimits, stale_after: float) -> float:
    """How long an entry can matter: the longest window, plus the staleness allowance."""
    return max(limits.minute, limits.second) + stale_after


class PostgresPacingStore:
    """The request log in a PostgreSQL table, shared by every worker that uses the URL."""

    TABLE = "qbo_pacing"

    def __init__(
        self, url: str, *, stale_after: float = DEFAULT_STALE_AFTER, schema: str | None = None
    ) -> None:
        self.url = url.replace("postgresql+psycopg://", "postgresql://", 1)
        self.stale_after = stale_after
        self._table = f'"{schema}".{self.TABLE}' if schema else self.TABLE
        self._lock = threading.Lock()
        self._conn: Any = None  # opened on first use: constructors do no I/O

    def _connection(self) -> Any:
        if self._conn is None or self._conn.closed:
            import psycopg

            conn = psycopg.connect(self.url, autocommit=True)
            # CREATE ... IF NOT EXISTS still races between sessions (a duplicate type
            # error), so workers starting together take turns through a lock.
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('qbo_pacing:ddl'))")
                conn.execute(
                    f"CREATE TABLE IF NOT EXISTS {self._table} (id BIGSERIAL PRIMARY KEY, "
                    "key TEXT NOT NULL, start DOUBLE PRECISION NOT NULL, "
                    "finish DOUBLE PRECISION, weight INTEGER NOT NULL, batch BOOLEAN NOT NULL)"
                )
                conn.execute(
                    f"CREATE INDEX IF NOT EXISTS qbo_pacing_key_idx ON {self._table} (key, start)"
                )
            self._conn = conn
        return self._conn

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float:
        with self._lock:
            conn = self._connection()
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"qbo_pacing:{key}",))
                conn.execute(
                    f"DELETE FROM {self._table} WHERE key = %s "
                    "AND coalesce(finish, start) + %s <= extract(epoch FROM clock_timestamp())",
                    (key, horizon(limits, self.stale_after)),
                )
                rows = conn.execute(
                    f"SELECT id, start, finish, weight, batch FROM {self._table} WHERE key = %s",
                    (key,),
                ).fetchall()
                # "Now" is read after the rows: every release they show happened before it,
                # so a request admitted because another ended never starts before that end.
                now = conn.execute(
                    "SELECT extract(epoch FROM clock_timestamp())::float8"
                ).fetchone()[0]
                wait = decide(live_entries(rows, now, self.stale_after), cost, limits, now)
                if wait is not None:
                    return wait
                entry_id = conn.execute(
                    f"INSERT INTO {self._table} (key, start, finish, weight, batch) "
                    "VALUES (%s, %s, NULL, %s, %s) RETURNING id",
                    (key, now, min(cost.weight, limits.per_minute), cost.batch),
                ).fetchone()[0]
                return Ticket(key, int(entry_id))

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        with self._lock:
            self._connection().execute(
                f"UPDATE {self._table} SET finish = greatest(start, "
                "extract(epoch FROM clock_timestamp())::float8 - %s) WHERE id = %s",
                (counted_ago, ticket.id),
            )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


class RedisPacingStore:
    """The request log in Redis, one hash per key, shared by every worker on the server."""

    def __init__(
        self,
        url: str = "redis://127.0.0.1:6379/0",
        *,
        stale_after: float = DEFAULT_STALE_AFTER,
        prefix: str = "qbo:pacing:",
    ) -> None:
        self.url = url
        self.stale_after = stale_after
        self.prefix = prefix
        self._client: Any = None

    def _redis(self) -> Any:
        if self._client is None:
            import redis

            self._client = redis.Redis.from_url(self.url)
        return self._client

    @staticmethod
    def _now(client: Any) -> float:
        seconds, micros = client.time()
        return float(seconds) + float(micros) / 1e6

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float:
        import redis

        client = self._redis()
        name = self.prefix + key
        keep = horizon(limits, self.stale_after)
        while True:
            with client.pipeline() as pipe:
                try:
                    pipe.watch(name)
                    now = self._now(pipe)
                    stored = pipe.hgetall(name)
                    rows, expired = [], []
                    for field, value in stored.items():
                        start, finish, weight, batch = json.loads(value)
                        if (finish if finish is not None else start) + keep <= now:
                            expired.append(field)
                        else:
                            rows.append((int(field), start, finish, weight, batch))
                    wait = decide(live_entries(rows, now, self.stale_after), cost, limits, now)
                    entry_id = None if wait is not None else int(pipe.incr(name + ":ids"))
                    pipe.multi()
                    if expired:
                        pipe.hdel(name, *expired)
                    if entry_id is not None:
                        weight = min(cost.weight, limits.per_minute)
                        pipe.hset(name, str(entry_id), json.dumps([now, None, weight, cost.batch]))
                        pipe.expire(name, int(keep) + 60)
                    pipe.execute()
                except redis.WatchError:
                    continue  # another worker decided first: decide again on what it wrote
            return wait if wait is not None else Ticket(key, int(entry_id or 0))

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        import redis

        client = self._redis()
        name = self.prefix + ticket.key
        while True:
            with client.pipeline() as pipe:
                try:
                    pipe.watch(name)
                    value = pipe.hget(name, str(ticket.id))
                    if value is None:
                        return
                    start, _, weight, batch = json.loads(value)
                    finish = max(start, self._now(pipe) - counted_ago)
                    pipe.multi()
                    pipe.hset(name, str(ticket.id), json.dumps([start, finish, weight, batch]))
                    pipe.execute()
                    return
                except redis.WatchError:
                    continue

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
