"""The webhook dispatcher: turns committed changes into signed POSTs to each app's endpoint.

Each pass (:meth:`WebhookDispatcher.run_once`) does two things:

1. *Gather*: for every app with an endpoint, the events of its connected companies since
   its cursor. Once an app's first waiting event has waited for the batching window
   (``webhook_window`` seconds, real time, like QBO's minute) they become one delivery
   (the payload in the app's format, stored), and the cursor moves, in one transaction.
   On PostgreSQL that transaction first takes ``LOCK TABLE changes IN SHARE MODE``, which
   waits for every transaction still writing changes to commit: a change with a lower
   ``seq`` can then not appear after the cursor has passed it, even with several
   emulator processes on one database. (On SQLite the write transaction is exclusive.)
2. *Deliver*: every delivery that is due is POSTed with ``intuit-signature`` and the
   format's Content-Type, under ``webhook_timeout``. A 2xx answer delivers it; anything
   else is retried on QBO's schedule scaled by ``webhook_retry_factor``
   (:mod:`.schedule`) until ``webhook_max_attempts``. Each attempt is logged.

Deliveries live in the database, so those pending when the process stops are sent after
it starts again. :meth:`start` runs passes in a background thread with its own event loop
(``qbo emulator serve`` starts it); tests may instead call ``await run_once(force=True)``,
which ignores the window. Passes never overlap, whichever thread or loop runs them.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
from sqlalchemy import Connection, func, select, text

from qbo.emulator.config import EmulatorConfig
from qbo.emulator.oauth.tables import OAuthTables
from qbo.emulator.oauth.tables import define as define_oauth_tables
from qbo.emulator.store import Store
from qbo.emulator.store.delivery_tables import DeliveryTables, delivery_tables
from qbo.emulator.webhooks import faults as delivery_faults
from qbo.emulator.webhooks import queue
from qbo.emulator.webhooks.events import content_type
from qbo.emulator.webhooks.schedule import retry_delay
from qbo.emulator.webhooks.signature import HEADER, sign
from qbo.emulator.webhooks.targets import WebhookTarget, webhook_targets

log = logging.getLogger("qbo.emulator.webhooks")

USER_AGENT = "qbo-emulator-webhooks/1.0"
#: Deliveries attempted per pass at most (the rest wait for the next pass).
MAX_DUE_PER_PASS = 200

Targets = Callable[[Connection, OAuthTables], list[WebhookTarget]]


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class PassReport:
    """What one pass did: deliveries queued, attempts made, and their results."""

    queued: int = 0
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0
    failed: int = 0


class WebhookDispatcher:
    """Webhook delivery for one emulator database."""

    def __init__(
        self,
        store: Store,
        config: EmulatorConfig,
        targets: Targets = webhook_targets,
        wall: Callable[[], int] = wall_ms,
    ) -> None:
        self.store = store
        self.config = config
        #: The real-time clock (epoch ms) retries and delays are scheduled on; a test may
        #: set its own to step through a schedule without waiting for it.
        self.wall = wall
        self._targets = targets
        self._tables: DeliveryTables = delivery_tables(store)
        self._oauth: OAuthTables | None = None
        self._first_waiting: dict[str, float] = {}  # app -> monotonic time first seen waiting
        self._pass_lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        #: Injected delivery faults (drop, duplicate, delay, reorder); none by default.
        self.faults = delivery_faults.DeliveryFaults()

    # -- the background thread -------------------------------------------------------------
    @property
    def interval(self) -> float:
        """Seconds between passes: a quarter of the window, within 50 ms .. 500 ms."""
        return min(0.5, max(0.05, self.config.webhook_window / 4))

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        """Run passes in a background thread until :meth:`stop` (idempotent)."""
        if self.running:
            return
        self._stop.clear()
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._loop()), name="qbo-webhooks", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float | None = None) -> None:
        """Stop the background thread after its current pass."""
        self._stop.set()
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout if timeout is not None else self.config.webhook_timeout + 10)

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except Exception:
                log.exception("webhook pass failed; the next pass tries again")
            await asyncio.to_thread(self._stop.wait, self.interval)

    # -- one pass -----------------------------------------------------------------------
    async def run_once(self, *, force: bool = False) -> PassReport:
        """Gather new events into deliveries, then attempt every due delivery.

        ``force`` queues waiting events at once instead of after the batching window.
        """
        # Polled rather than awaited in a worker thread: a pass cancelled while waiting
        # must not leave the lock taken by a thread that nobody will release it for.
        while not self._pass_lock.acquire(blocking=False):
            await asyncio.sleep(0.01)
        try:
            await asyncio.to_thread(self._oauth_tables)  # outside any transaction
            queued = await asyncio.to_thread(self._gather, force)
            report = await self._deliver_due()
            return PassReport(
                queued, report.attempted, report.delivered, report.retrying, report.failed
            )
        finally:
            self._pass_lock.release()

    def _oauth_tables(self) -> OAuthTables:
        """The OAuth feature's tables, created if missing (call outside a transaction).

        They are created in a write transaction of the store, so that on an in-memory
        database (one connection for all threads) this never overlaps a request.
        """
        if self._oauth is None:
            tables = define_oauth_tables(self.store.tables.metadata)
            with self.store.write() as conn:
                self.store.tables.metadata.create_all(conn, tables=tables.all(), checkfirst=True)
            self._oauth = tables
        return self._oauth

    def _ready(self, app_id: str, force: bool) -> bool:
        first = self._first_waiting.setdefault(app_id, time.monotonic())
        return force or time.monotonic() - first >= self.config.webhook_window

    def _plan(self, conn: Connection, force: bool) -> list[tuple[WebhookTarget, int, int]]:
        """(target, cursor, newest) for each app with something to do now."""
        changes = self.store.tables.changes
        newest = int(conn.execute(select(func.max(changes.c.seq))).scalar() or 0)
        known = queue.cursors(conn, self._tables)
        plan = []
        for target in self._targets(conn, self._oauth_tables()):
            cursor = known.get(target.app_id, -1)
            if cursor >= newest:
                continue
            waiting = queue.pending_events(conn, changes, target, max(cursor, 0), newest)
            if not waiting:
                self._first_waiting.pop(target.app_id, None)
            elif not self._ready(target.app_id, force):
                continue
            plan.append((target, cursor, newest))
        return plan

    def _gather(self, force: bool) -> int:
        """Queue deliveries for apps whose events are ready; answers how many were queued."""
        with self.store.read() as conn:
            if not self._plan(conn, force):
                return 0
        queued = 0
        handled: list[str] = []
        with self.store.write() as conn:
            if not self.store.is_sqlite:
                conn.execute(text("LOCK TABLE changes IN SHARE MODE"))
            now = self.wall()
            for target, cursor, newest in self._plan(conn, force):
                events = queue.pending_events(
                    conn, self.store.tables.changes, target, max(cursor, 0), newest
                )
                queued += queue.enqueue(conn, self._tables, target, events, now)
                full = len(events) >= queue.MAX_EVENTS_PER_PASS
                upto = events[-1].seq if full else newest
                queue.save_cursor(conn, self._tables, target.app_id, upto, cursor >= 0)
                if not full:
                    handled.append(target.app_id)
        for app_id in handled:  # its next event opens a new window
            self._first_waiting.pop(app_id, None)
        return queued

    async def _deliver_due(self) -> PassReport:
        def load() -> tuple[list[queue.Delivery], dict[str, WebhookTarget]]:
            with self.store.read() as conn:
                due = queue.due(conn, self._tables, self.wall(), MAX_DUE_PER_PASS)
                if not due:
                    return [], {}
                apps = {t.app_id: t for t in self._targets(conn, self._oauth_tables())}
            return due, apps

        due, apps = await asyncio.to_thread(load)
        if not due:
            return PassReport()
        by_app: dict[str, list[queue.Delivery]] = {}
        for delivery in due:
            by_app.setdefault(delivery.app_id, []).append(delivery)
        async with httpx.AsyncClient(
            timeout=self.config.webhook_timeout, follow_redirects=False, trust_env=False
        ) as client:
            results = await asyncio.gather(
                *(self._deliver_app(client, apps.get(app), items) for app, items in by_app.items())
            )
        states = [state for states in results for state in states]
        return PassReport(
            attempted=len(states),
            delivered=states.count("delivered"),
            retrying=states.count("pending"),
            failed=states.count("failed"),
        )

    async def _deliver_app(
        self,
        client: httpx.AsyncClient,
        target: WebhookTarget | None,
        deliveries: list[queue.Delivery],
    ) -> list[str]:
        """One app's due deliveries, oldest first (unless reordered), one at a time."""
        states = []
        for delivery in self.faults.order(deliveries):
            action = self.faults.action() if target is not None else delivery_faults.SEND
            if target is not None and action != delivery_faults.SEND:
                if action == delivery_faults.DUPLICATE:
                    await self._post(client, target, delivery)
                else:
                    states.append(await asyncio.to_thread(self._fault, delivery, target, action))
                    continue
            if target is None:
                outcome = queue.Outcome("", None, "the app no longer has a webhook endpoint", 0)
                final = True
            else:
                outcome = await self._post(client, target, delivery)
                final = delivery.attempts + 1 >= self.config.webhook_max_attempts
            now = self.wall()
            next_ms = None
            if not final:
                delay = retry_delay(delivery.attempts + 1, self.config.webhook_retry_factor)
                next_ms = now + int(delay * 1000)
            state = await asyncio.to_thread(self._record, delivery, outcome, now, next_ms)
            states.append(state)
        return states

    def _fault(self, delivery: queue.Delivery, target: WebhookTarget, action: str) -> str:
        """Drop or delay ``delivery`` (fault injection); answers its new state."""
        now = self.wall()
        with self.store.write() as conn:
            if action == delivery_faults.DROP:
                delivery_faults.record_drop(
                    conn, self._tables, delivery.id, delivery.app_id, target.url, now
                )
                return "failed"
            later = now + int(self.faults.delay_seconds * 1000)
            delivery_faults.postpone(conn, self._tables, delivery.id, later)
            return "pending"

    def _record(
        self, delivery: queue.Delivery, outcome: queue.Outcome, now: int, next_ms: int | None
    ) -> str:
        with self.store.write() as conn:
            return queue.record_attempt(conn, self._tables, delivery, outcome, now, next_ms)

    async def _post(
        self, client: httpx.AsyncClient, target: WebhookTarget, delivery: queue.Delivery
    ) -> queue.Outcome:
        headers = {
            HEADER: sign(target.verifier_token, delivery.payload),
            "Content-Type": content_type(delivery.format),
            "User-Agent": USER_AGENT,
        }
        started = time.monotonic()
        status: int | None = None
        error: str | None = None
        try:
            response = await client.post(target.url, content=delivery.payload, headers=headers)
            status = response.status_code
            if not 200 <= status < 300:
                error = f"the endpoint answered HTTP {status}"
        except httpx.TimeoutException:
            error = f"no answer within {self.config.webhook_timeout:g} s"
        except httpx.HTTPError as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        duration = int((time.monotonic() - started) * 1000)
        return queue.Outcome(target.url, status, error, duration)
