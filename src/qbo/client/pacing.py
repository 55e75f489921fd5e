"""Client-side pacing under Intuit's per-realm limits, so a busy client never draws a 429.

Intuit's limits: 500 requests per minute per realm (a batch counts once
per item), 10 per second, 10 in flight, 40 batch requests per minute. QBO counts them in
sliding windows, and so does this module, conservatively: a request occupies every window
from the moment it is admitted here until ``span`` seconds after the latest instant QBO
can have counted it. QBO counts a request somewhere between its admission here and its
response, so whenever the server counts a request in one of its windows this pacer
counted it too: pacing with the same limits as the server is never refused by the server.

That latest instant is the response's arrival unless the transport knows better. A
gateway's rate limiter counts a request when it arrives (the emulator's does), and QBO
then spends most of its answer time (150-300 ms for a read) working on it: holding the
slot until the response would cap a paced client at about 10 requests per 1.2 s. So the
HTTP transport notes when each request was written and the round trip of the connection
it went on (its TCP connect time), and the slot ends ``round trip + arrival_margin`` after
the write when that is earlier than the response: the request reached QBO within one round
trip of being written, and the margin covers queueing in Intuit's gateway. That is an
assumption (QBO's documentation says nothing of it; a gateway that held a request for
longer before counting it could answer 429), chosen because it takes a paced burst of
reads from 81% to 94% of the allowed rate (``benchmarks/client.py``); raise
``arrival_margin`` where it is shaky (behind a proxy the connect time measured is the
proxy's). Without those timings (in-process transports, an ``http_client`` whose
connections were opened elsewhere) the slot is held until the response.

Two stores hold the log of recent requests:

* :class:`MemoryPacingStore` (the default): one process, any number of threads and tasks;
  clients of the same realm in one process share the default store, so they pace
  together;
* :class:`SqlitePacingStore`: several processes on one machine share a SQLite file; each
  decision runs in a ``BEGIN IMMEDIATE`` transaction, which is the cross-process lock.
  SQLite was chosen over Redis because it needs no server and no extra dependency; a
  process that dies mid-request leaves an open entry, which stops counting as in flight
  after ``stale_after`` seconds.

Decisions are pure and non-blocking (:meth:`Pacer.try_acquire` answers a ticket or how
long to wait), so the async and the sync client wait in their own way.
"""

from __future__ import annotations

import itertools
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from qbo.migrations import Versioning, open_versioned

if TYPE_CHECKING:
    from sqlalchemy import Connection

MINUTE = 60.0
SECOND = 1.0


@dataclass(frozen=True)
class PacingLimits:
    """Per-realm limits; ``window_scale`` shrinks the minute and the second for tests."""

    per_minute: int = 500
    per_second: int = 10
    concurrent: int = 10
    batch_per_minute: int = 40
    window_scale: float = 1.0
    poll_interval: float = 0.005  # seconds between checks while waiting for a slot to free
    # Seconds QBO may take, beyond one round trip, to count a request after it was written
    # (module docstring). Not scaled by window_scale: it is about the network, not windows.
    arrival_margin: float = 0.05

    def __post_init__(self) -> None:
        for name in ("per_minute", "per_second", "concurrent", "batch_per_minute"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        if self.window_scale <= 0 or self.poll_interval <= 0:
            raise ValueError("window_scale and poll_interval must be positive")
        if self.arrival_margin < 0:
            raise ValueError("arrival_margin cannot be negative")

    @property
    def minute(self) -> float:
        return MINUTE * self.window_scale

    @property
    def second(self) -> float:
        return SECOND * self.window_scale


@dataclass(frozen=True)
class Cost:
    """What one HTTP request counts as: ``weight`` against the minute, plus batch-ness."""

    weight: int = 1
    batch: bool = False


@dataclass
class Entry:
    """One admitted request: ``end`` is None while it is in flight."""

    id: int
    start: float
    end: float | None
    weight: int
    batch: bool


@dataclass(frozen=True)
class Ticket:
    """A request admitted by a pacer; release it when the response (or failure) arrives."""

    key: str
    id: int


@dataclass(frozen=True)
class _Window:
    span: float
    limit: int
    need: int
    weighted: bool  # count entries by their weight (the per-minute realm limit)
    batch_only: bool  # count batch requests only

    def units(self, entry: Entry) -> int:
        return entry.weight if self.weighted else 1


def decide(entries: Sequence[Entry], cost: Cost, limits: PacingLimits, now: float) -> float | None:
    """None when a request of ``cost`` fits now, else seconds worth waiting before retrying.

    ``entries`` are the key's recent requests (expired ones may be included; they do not
    count). Waits are exact when they depend on completed requests and ``poll_interval``
    when only an in-flight request finishing can make room.
    """
    in_flight = sum(1 for e in entries if e.end is None)
    if in_flight + 1 > limits.concurrent:
        return limits.poll_interval
    windows = [
        _Window(limits.minute, limits.per_minute, min(cost.weight, limits.per_minute), True, False),
        _Window(limits.second, limits.per_second, 1, False, False),
    ]
    if cost.batch:
        windows.append(_Window(limits.minute, limits.batch_per_minute, 1, False, True))
    wait = 0.0
    for w in windows:
        live = [e for e in entries if (e.batch or not w.batch_only) and _counts(e, w.span, now)]
        excess = sum(w.units(e) for e in live) + w.need - w.limit
        if excess <= 0:
            continue
        # Completed entries leave the window in order of their end; in-flight ones never do.
        expiries = sorted((e.end + w.span, w.units(e)) for e in live if e.end is not None)
        until: float | None = None
        freed = 0
        for expiry, units in expiries:
            freed += units
            if freed >= excess:
                until = expiry
                break
        wait = max(wait, limits.poll_interval if until is None else until - now)
    return None if wait <= 0 else max(wait, 1e-4)


def _counts(entry: Entry, span: float, now: float) -> bool:
    return entry.end is None or entry.end + span > now


def counted_ago(
    written: float | None, round_trip: float | None, margin: float, now: float
) -> float:
    """How long before ``now`` QBO had certainly counted a request written at ``written``.

    It arrived within ``round_trip`` of being written (a round trip bounds the one-way
    delay) and was counted within ``margin`` of arriving. 0 (count it as ending now, the
    safe answer) when either time is unknown. All times on one monotonic clock.
    """
    if written is None or round_trip is None:
        return 0.0
    return max(0.0, now - (written + round_trip + margin))


class PacingStore(Protocol):
    """Where the log of recent requests lives (memory, or a file shared by processes)."""

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float: ...

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        """End a request's claim: it counts as having ended ``counted_ago`` seconds ago
        (never before it was admitted)."""
        ...


class MemoryPacingStore:
    """The request log in this process (thread-safe; no await inside its lock)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._entries: dict[str, list[Entry]] = {}
        self._ids = itertools.count(1)

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float:
        with self._lock:
            now = self._clock()
            horizon = max(limits.minute, limits.second)
            entries = [e for e in self._entries.get(key, []) if _counts(e, horizon, now)]
            self._entries[key] = entries
            wait = decide(entries, cost, limits, now)
            if wait is not None:
                return wait
            entry = Entry(
                next(self._ids), now, None, min(cost.weight, limits.per_minute), cost.batch
            )
            entries.append(entry)
            return Ticket(key, entry.id)

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        with self._lock:
            now = self._clock()
            for entry in self._entries.get(ticket.key, []):
                if entry.id == ticket.id:
                    entry.end = max(entry.start, now - counted_ago)
                    return


PACING_SCHEMA = Versioning(
    what="pacing log",
    scripts=Path(__file__).parent / "pacing_migrations",
    version_table="qbo_pacing_version",
    baseline="0001",
    marker_table="qbo_pacing",
)
_TABLE = (
    "CREATE TABLE IF NOT EXISTS qbo_pacing (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " key TEXT NOT NULL, start REAL NOT NULL, finish REAL, weight INTEGER NOT NULL,"
    " batch INTEGER NOT NULL)"
)
_INDEX = "CREATE INDEX IF NOT EXISTS qbo_pacing_key ON qbo_pacing (key, finish)"


def _open_schema(conn: sqlite3.Connection) -> None:
    """Create, upgrade or refuse (a newer qbo's) the pacing table, under the file's write lock.

    The store speaks sqlite3 directly (it is on every request's path); Alembic reaches the
    same connection through an engine that hands it out. SQLAlchemy and Alembic come with
    ``qbo[sql]`` and are imported here, when a pacing file is first opened, so a client-only
    install still imports this module (and uses :class:`MemoryPacingStore`).
    """
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    def create_head(sa: Connection) -> None:
        sa.exec_driver_sql(_TABLE)
        sa.exec_driver_sql(_INDEX)

    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    # The write lock is taken once SQLAlchemy holds the connection: its first checkout
    # rolls the driver connection back, which would drop a lock taken before. SQLAlchemy
    # sends no BEGIN of its own on SQLite; its commit (or rollback) ends this one.
    with engine.connect() as sa:
        sa.exec_driver_sql("BEGIN IMMEDIATE")  # one opener at a time
        open_versioned(sa, PACING_SCHEMA, create_head)
        sa.commit()


class SqlitePacingStore:
    """The request log in a SQLite file, shared by every process that opens the same path.

    Times are wall-clock (``time.time``) because monotonic clocks are per process on
    some systems. ``stale_after`` bounds how long an entry left open by a crashed
    process still counts as in flight.
    """

    def __init__(
        self, path: str | Path, *, stale_after: float = 300.0, busy_timeout: float = 30.0
    ) -> None:
        self.path = str(path)
        self.stale_after = stale_after
        self._busy_timeout = busy_timeout
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None  # opened on first use: no I/O here

    def _connection(self) -> sqlite3.Connection:
        if self._conn is None:
            conn = sqlite3.connect(
                self.path, timeout=self._busy_timeout, isolation_level=None, check_same_thread=False
            )
            try:
                _open_schema(conn)
            except BaseException:
                conn.close()
                raise
            self._conn = conn
        return self._conn

    def try_acquire(self, key: str, cost: Cost, limits: PacingLimits) -> Ticket | float:
        with self._lock:
            conn = self._connection()
            conn.execute("BEGIN IMMEDIATE")
            try:
                now = time.time()
                horizon = max(limits.minute, limits.second)
                conn.execute(
                    "DELETE FROM qbo_pacing WHERE key = ? AND ((finish IS NOT NULL AND finish + ? <= ?)"
                    " OR (finish IS NULL AND start + ? + ? <= ?))",
                    (key, horizon, now, self.stale_after, horizon, now),
                )
                rows = conn.execute(
                    "SELECT id, start, finish, weight, batch FROM qbo_pacing WHERE key = ?", (key,)
                ).fetchall()
                entries = [
                    Entry(
                        int(r[0]),
                        float(r[1]),
                        # an entry open for longer than stale_after: its process is gone
                        float(r[2])
                        if r[2] is not None
                        else (
                            float(r[1]) + self.stale_after
                            if now - float(r[1]) > self.stale_after
                            else None
                        ),
                        int(r[3]),
                        bool(r[4]),
                    )
                    for r in rows
                ]
                wait = decide(entries, cost, limits, now)
                if wait is not None:
                    conn.execute("COMMIT")
                    return wait
                cursor = conn.execute(
                    "INSERT INTO qbo_pacing (key, start, finish, weight, batch) VALUES (?, ?, NULL, ?, ?)",
                    (key, now, min(cost.weight, limits.per_minute), int(cost.batch)),
                )
                conn.execute("COMMIT")
                return Ticket(key, int(cursor.lastrowid or 0))
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        with self._lock:
            conn = self._connection()
            conn.execute(
                "UPDATE qbo_pacing SET finish = MAX(start, ?) WHERE id = ?",
                (time.time() - counted_ago, ticket.id),
            )

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None


@dataclass
class Pacer:
    """Limits plus the store that remembers requests; one pacer may serve many clients."""

    limits: PacingLimits = field(default_factory=PacingLimits)
    store: PacingStore = field(default_factory=MemoryPacingStore)

    def try_acquire(self, key: str, cost: Cost) -> Ticket | float:
        return self.store.try_acquire(key, cost, self.limits)

    def release(self, ticket: Ticket, counted_ago: float = 0.0) -> None:
        self.store.release(ticket, counted_ago)


_DEFAULT_LOCK = threading.Lock()
_DEFAULT: Pacer | None = None


def default_pacer() -> Pacer:
    """The process-wide pacer with Intuit's limits, shared by clients that do not pass one."""
    global _DEFAULT
    with _DEFAULT_LOCK:
        if _DEFAULT is None:
            _DEFAULT = Pacer()
        return _DEFAULT
