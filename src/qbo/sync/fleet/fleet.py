"""A fleet of sync workers: the jobs, how they are queued, and what a worker runs.

Every job works on one realm and carries the lock ``realm:<id>``: procrastinate never
starts a job while another with the same lock is running, so one company is worked on by
one worker at a time, whichever machine it is on. Deferring uses the queueing lock
``<task>:<id>``, so a realm never has two identical jobs waiting (a second defer is a
no-op). A worker killed mid-job stops sending heartbeats; the periodic ``recover`` task
puts its jobs back in the queue for another worker, and since every write of the sync
engine is versioned and committed with its cursor, running a job again is safe.

A job that fails records the failure on the realm and re-queues itself for later
(exponential backoff), so a broken company never holds a worker; one whose connection is
refused (a revoked or expired authorization) is parked with the reason until it is
connected again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from procrastinate import App, PsycopgConnector
from procrastinate import exceptions as job_errors

from qbo.client import AsyncClient, RateLimitError
from qbo.client.auth import ClientCredentials, Token
from qbo.client.hooks import ResponseEvent
from qbo.client.pacing import Pacer, PacingStore
from qbo.sync.engine import AUTH_ERRORS, PassReport, Syncer
from qbo.sync.fleet import metrics, registry
from qbo.sync.fleet.settings import FleetSettings
from qbo.sync.inbox import InboxReport, process_inbox
from qbo.sync.mirror import Mirror

log = logging.getLogger("qbo.sync.fleet")

LOAD = "qbo.sync.load_realm"
SYNC = "qbo.sync.sync_realm"
WEBHOOKS = "qbo.sync.process_webhooks"
SWEEP = "qbo.sync.sweep"
RECOVER = "qbo.sync.recover_stalled"
QUEUE = "qbo-sync"


def realm_lock(realm_id: str) -> str:
    return f"realm:{realm_id}"


def job_queue(conninfo: str, schema: str | None = None) -> App:
    """procrastinate on the fleet's database (and schema); tasks are added by :class:`Fleet`."""
    options = {"options": f"-c search_path={schema}"} if schema else {}
    return App(connector=PsycopgConnector(conninfo=conninfo, kwargs=options))


class Fleet:
    """One fleet's jobs and resources, built the same way by every worker and client."""

    def __init__(self, settings: FleetSettings) -> None:
        self.settings = settings
        self.app = job_queue(settings.psycopg_url, settings.schema)
        self._mirror: Mirror | None = None
        self._tokens: Any = None
        self._pacer: Pacer | None = None
        self._register()

    # -- shared resources ------------------------------------------------------------------

    @property
    def mirror(self) -> Mirror:
        if self._mirror is None:
            self._mirror = Mirror.open(self.settings.sqlalchemy_url, schema=self.settings.schema)
        return self._mirror

    @property
    def token_store(self) -> Any:
        """The client's SQL token store in the fleet's database (encrypted: QBO_TOKEN_KEY)."""
        if self._tokens is None:
            from qbo.client.auth import SQLTokenStore

            self._tokens = SQLTokenStore(
                self.settings.sqlalchemy_url,
                client_id=self.settings.client_id,
                schema=self.settings.schema,
            )
        return self._tokens

    @property
    def pacer(self) -> Pacer:
        """Pacing every worker shares: PostgreSQL by default, Redis when configured."""
        if self._pacer is None:
            from qbo.client.shared_pacing import PostgresPacingStore, RedisPacingStore

            store: PacingStore
            if self.settings.redis_url:
                prefix = f"qbo:pacing:{self.settings.schema or 'public'}:"
                store = RedisPacingStore(self.settings.redis_url, prefix=prefix)
            else:
                store = PostgresPacingStore(self.settings.psycopg_url, schema=self.settings.schema)
            self._pacer = Pacer(self.settings.limits, store)
        return self._pacer

    def client(self, realm_id: str, environment: str | None = None) -> AsyncClient:
        """A client for one realm: shared tokens, shared pacing, metrics on every response."""
        settings = self.settings
        return AsyncClient(
            realm_id,
            environment=environment or settings.environment,
            credentials=ClientCredentials(settings.client_id, settings.client_secret),
            token_store=self.token_store,
            pacing=self.pacer,
            retry=settings.retry,
            on_response=_count_response,
        )

    def install(self) -> None:
        """Create or upgrade the mirror and procrastinate's tables (idempotent)."""
        _ = self.mirror  # opening upgrades the mirror's schema
        with self.app.open():
            import psycopg

            with psycopg.connect(self.settings.psycopg_url, autocommit=True) as conn:
                if self.settings.schema:
                    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.settings.schema}"')
                    conn.execute(f'SET search_path TO "{self.settings.schema}"')
                conn.execute("SELECT pg_advisory_lock(hashtext('qbo_fleet:install'))")
                try:
                    found = conn.execute(
                        "SELECT to_regclass('procrastinate_jobs') IS NOT NULL"
                    ).fetchone()
                    if not (found and found[0]):
                        conn.execute(self.app.schema_manager.get_schema())
                finally:
                    conn.execute("SELECT pg_advisory_unlock(hashtext('qbo_fleet:install'))")

    def close(self) -> None:
        if self._mirror is not None:
            self._mirror.close()
        store = getattr(self._pacer, "store", None)
        if store is not None and hasattr(store, "close"):
            store.close()

    # -- realms ------------------------------------------------------------------------------

    def connect(self, token: Token, environment: str | None = None) -> str:
        """A company joins the fleet: its token into the shared store, its load queued."""
        if not token.realm_id:
            raise ValueError("the token names no company (realm_id)")
        self.token_store.save(token)
        with self.mirror.transaction() as conn:
            registry.add(conn, token.realm_id, environment or self.settings.environment)
        self.defer(LOAD, token.realm_id)
        return token.realm_id

    def _deferrer(self, task: str, realm_id: str, delay: float | None) -> Any:
        """The task configured with the realm's lock and queueing lock (and a delay)."""
        options: dict[str, Any] = {
            "lock": realm_lock(realm_id),
            "queueing_lock": f"{task}:{realm_id}",
            "queue": QUEUE,
        }
        if delay:
            options["schedule_in"] = {"seconds": delay}
        return self.app.configure_task(task, **options)

    def defer(self, task: str, realm_id: str, *, delay: float | None = None) -> bool:
        """Queue ``task`` for a realm; False when the same job is already waiting.

        For scripts and commands (it opens its own connection); jobs and async code use
        :meth:`defer_async` on the worker's open app.
        """
        try:
            with self.app.open():
                self._deferrer(task, realm_id, delay).defer(realm_id=realm_id)
        except job_errors.AlreadyEnqueued:
            return False
        return True

    async def defer_async(self, task: str, realm_id: str, *, delay: float | None = None) -> bool:
        try:
            await self._deferrer(task, realm_id, delay).defer_async(realm_id=realm_id)
        except job_errors.AlreadyEnqueued:
            return False
        return True

    # -- webhooks ------------------------------------------------------------------------------

    def webhook_app(self, path: str = "/webhooks") -> Any:
        """The fleet's webhook endpoint (ASGI): verify, store per company, queue its job.

        Nothing is fetched or applied here: each company's ``process_webhooks`` job does
        that on a worker, under the company's lock. Serve it with any ASGI server; its
        lifespan opens the job queue.
        """
        from contextlib import asynccontextmanager

        from starlette.applications import Starlette
        from starlette.routing import Mount

        from qbo.sync.inbox import WebhookInbox

        token = self.settings.webhook_verifier_token
        if not token:
            raise ValueError("the fleet's webhook endpoint needs QBO_WEBHOOK_VERIFIER_TOKEN")

        lifespan_opened = {"open": False}

        async def enqueue(realms: list[str]) -> None:
            with self.mirror.transaction() as conn:
                known = {r.realm_id for r in registry.all_realms(conn)}
            wanted = [r for r in realms if r in known]
            if lifespan_opened["open"]:
                for realm_id in wanted:
                    await self.defer_async(WEBHOOKS, realm_id)
                return
            async with self.app.open_async():  # served without its lifespan
                for realm_id in wanted:
                    await self.defer_async(WEBHOOKS, realm_id)

        inbox = WebhookInbox(self.mirror, token, path=path, by_realm=True, on_realms=enqueue)

        @asynccontextmanager
        async def lifespan(_: Any) -> Any:
            async with self.app.open_async():
                lifespan_opened["open"] = True
                try:
                    yield
                finally:
                    lifespan_opened["open"] = False

        return Starlette(routes=[Mount("/", app=inbox)], lifespan=lifespan)

    # -- jobs ----------------------------------------------------------------------------------

    def _register(self) -> None:
        app = self.app

        @app.task(name=LOAD, queue=QUEUE, pass_context=True)
        async def load_realm(context: Any, realm_id: str) -> None:
            await self._run(context, LOAD, realm_id, self._sync_pass)

        @app.task(name=SYNC, queue=QUEUE, pass_context=True)
        async def sync_realm(context: Any, realm_id: str) -> None:
            await self._run(context, SYNC, realm_id, self._sync_pass)

        @app.task(name=WEBHOOKS, queue=QUEUE, pass_context=True)
        async def process_webhooks(context: Any, realm_id: str) -> None:
            await self._run(context, WEBHOOKS, realm_id, self._webhooks_pass)

        @app.periodic(cron=self.settings.sweep_cron, periodic_id="sweep")
        @app.task(name=SWEEP, queue=QUEUE, queueing_lock="sweep")
        async def sweep(timestamp: int) -> None:
            await self.sweep()

        @app.periodic(cron=self.settings.recover_cron, periodic_id="recover")
        @app.task(name=RECOVER, queue=QUEUE, queueing_lock="recover")
        async def recover(timestamp: int) -> None:
            await self.recover_stalled()

    async def sweep(self) -> int:
        """Queue a CDC pass for every realm that is due; how many were queued."""
        with self.mirror.transaction() as conn:
            realms = registry.all_realms(conn)
            good = registry.last_good(conn)
        at = registry.now()
        queued = 0
        for realm in realms:
            if realm.due(at) and await self.defer_async(SYNC, realm.realm_id):
                queued += 1
            if realm.realm_id in good:
                lag = (at - good[realm.realm_id]).total_seconds()
                metrics.LAG.labels(realm=realm.realm_id).set(max(0.0, lag))
        metrics.REALMS.set(len(realms))
        return queued

    async def recover_stalled(self) -> int:
        """Put back in the queue the jobs of workers that stopped sending heartbeats."""
        manager = self.app.job_manager
        stalled = await manager.get_stalled_jobs(
            seconds_since_heartbeat=self.settings.stalled_after
        )
        for job in stalled:
            log.warning(
                "job %s (%s) of a dead worker goes back in the queue", job.id, job.task_name
            )
            await manager.retry_job(job)
        return len(list(stalled))

    async def _sync_pass(self, client: AsyncClient) -> tuple[int, int, str | None, bool]:
        syncer = Syncer(self.mirror, client, page_size=self.settings.page_size)
        report: PassReport = await syncer.run_once()
        error = report.stopped or ("; ".join(report.errors.values()) or None)
        return sum(report.changes.values()), report.requests, error, report.stopped is not None

    async def _webhooks_pass(self, client: AsyncClient) -> tuple[int, int, str | None, bool]:
        report: InboxReport = await process_inbox(
            self.mirror, {client.realm_id: client}, realm_id=client.realm_id
        )
        error = "; ".join(report.errors) or None
        return report.applied, report.requests, error, False

    async def _run(
        self,
        context: Any,
        task: str,
        realm_id: str,
        work: Callable[[AsyncClient], Awaitable[tuple[int, int, str | None, bool]]],
    ) -> None:
        """One job: log it, run it, then record success, back-off or parking."""
        with self.mirror.transaction() as conn:
            realm = registry.get(conn, realm_id)
            if realm is None or realm.state == registry.PARKED:
                return  # removed or parked since it was queued
            run_id = registry.run_started(conn, getattr(context.job, "id", None), task, realm_id)
        started = time.monotonic()
        changes = requests = 0
        error: str | None = None
        parked = False
        try:
            async with self.client(realm_id, realm.environment) as client:
                changes, requests, error, parked = await work(client)
        except AUTH_ERRORS as exc:
            error, parked = f"{type(exc).__name__}: {exc}", True
        except Exception as exc:  # any failure of one realm is recorded, never fatal
            error = f"{type(exc).__name__}: {exc}"
        outcome = "parked" if parked else ("error" if error else "ok")
        delay = None
        with self.mirror.transaction() as conn:
            registry.run_finished(
                conn, run_id, outcome, changes=changes, requests=requests, error=error
            )
            if parked:
                registry.park(conn, realm_id, error or "the connection was refused")
            elif error:
                delay = registry.failed(
                    conn, realm_id, error, self.settings.backoff_base, self.settings.backoff_max
                )
            else:
                registry.succeeded(conn, realm_id)
        if delay is not None:
            await self.defer_async(SYNC, realm_id, delay=delay)
        elapsed = time.monotonic() - started
        metrics.JOBS.labels(task=task, outcome=outcome).inc()
        metrics.JOB_SECONDS.labels(task=task).observe(elapsed)
        log.info(
            "job finished",
            extra={
                "task": task,
                "realm": realm_id,
                "outcome": outcome,
                "changes": changes,
                "requests": requests,
                "duration_ms": round(elapsed * 1000),
                "error": error,
            },
        )

    # -- workers ---------------------------------------------------------------------------------

    async def run_worker(
        self, *, concurrency: int = 4, wait: bool = True, name: str | None = None
    ) -> None:
        """Work jobs until stopped (``wait=False``: until the queue is empty)."""
        async with self.app.open_async():
            await self.app.run_worker_async(
                queues=[QUEUE],
                concurrency=concurrency,
                wait=wait,
                name=name or registry.WORKER_NAME,
                stalled_worker_timeout=self.settings.stalled_after,
                update_heartbeat_interval=max(1.0, self.settings.stalled_after / 6),
                install_signal_handlers=wait,
            )


def _count_response(event: ResponseEvent) -> None:
    metrics.REQUESTS.labels(realm=event.realm_id).inc()
    if event.status == 429 or isinstance(event.error, RateLimitError):
        metrics.THROTTLED.labels(realm=event.realm_id).inc()
