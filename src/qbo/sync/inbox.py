"""Webhooks into the mirror: a durable inbox first, the work afterwards.

:class:`WebhookInbox` is an ASGI app (``qbo sync serve``, or mount it in your own app). It
checks ``intuit-signature`` with the client's webhook module (401 and nothing stored when
it does not match), stores the raw delivery and answers 200 at once, as Intuit expects.

:func:`process_inbox` then works through stored deliveries in arrival order: it reads
both payload formats, fetches the named objects again (batched reads, 30 query items to
a request) and applies them by version, so a late, repeated or reordered event can never
put an older copy over a newer one. Delete tombstones the object; Merge tombstones the
merged-away object (``deletedId``) and refreshes the survivor; Create, Update, Void and
Emailed refresh. The rows and the delivery's ``done`` state are one transaction. A
payload that is not a webhook is kept and marked ``bad`` (never retried).

A fault on one object never stops the rest: when a fetch fails (the request, or one
query item), everything else the delivery names is applied, the failing entities get the
error in their status (``webhook: ...``), and the delivery stays pending for later calls,
up to ``max_attempts`` times, then ``failed`` (the CDC sweep still brings the changes).
Later deliveries do not wait for it: applying by version makes arrival order irrelevant.
A call stops early only when QBO itself is failing (every read of three deliveries in a
row) or the connection is refused (401/403 after the client's refresh: the realm stops).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import insert, select, update
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.client import AsyncClient, QBOError
from qbo.client.webhooks import (
    SIGNATURE_HEADER,
    Operation,
    WebhookEvent,
    WebhookPayloadError,
    parse_events,
    read_body,
    verify_signature,
)
from qbo.sync import state
from qbo.sync import tables as t
from qbo.sync.derived import refresh_derived
from qbo.sync.documents import Change, Gone
from qbo.sync.engine import AUTH_ERRORS
from qbo.sync.fetching import fetch, queryable
from qbo.sync.mirror import Mirror, now_text
from qbo.sync.references import References

log = logging.getLogger("qbo.sync.inbox")

MAX_BODY_BYTES = 1024 * 1024
DEFAULT_MAX_ATTEMPTS = 5
#: Deliveries in a row whose reads all failed before a call stops: an outage, not a
#: faulty object, so the rest is left for the next call instead of failing one by one.
OUTAGE_DELIVERIES = 3
REFRESH = {Operation.CREATE, Operation.UPDATE, Operation.VOID, Operation.EMAILED}


class WebhookInbox:
    """The webhook endpoint: verify, store, answer 200; ``on_stored`` wakes a worker.

    With ``by_realm`` (the fleet's endpoint) a delivery is stored once per company it
    names, each row tagged with its realm, so each company's events are applied by that
    company's own job; ``on_realms`` is then told which companies got events (it may be a
    coroutine function, awaited before the answer, e.g. to queue their jobs).
    """

    def __init__(
        self,
        mirror: Mirror,
        verifier_token: str | Sequence[str],
        *,
        path: str = "/",
        max_body_bytes: int = MAX_BODY_BYTES,
        on_stored: Callable[[], object] | None = None,
        by_realm: bool = False,
        on_realms: Callable[[list[str]], object] | None = None,
    ) -> None:
        tokens = [verifier_token] if isinstance(verifier_token, str) else list(verifier_token)
        if not tokens or not all(tokens):
            raise ValueError("a verifier token is required")
        self.mirror = mirror
        self._tokens = tokens
        self.max_body_bytes = max_body_bytes
        self.on_stored = on_stored
        self.by_realm = by_realm
        self.on_realms = on_realms
        self.app = Starlette(routes=[Route(path, self._endpoint, methods=["POST"])])

    async def __call__(self, scope: object, receive: object, send: object) -> None:
        await self.app(scope, receive, send)  # type: ignore[arg-type]

    def _verify(self, body: bytes, header: str | None) -> bool:
        results = [verify_signature(body, header, token) for token in self._tokens]
        return any(results)

    def _store(self, body: bytes, content_type: str | None) -> list[str]:
        """Store the delivery (one row per realm with ``by_realm``); the realms it names."""
        # PostgreSQL text cannot hold NUL: a raw NUL is never valid JSON, so the delivery
        # is bad either way, and storing it with U+FFFD lets it be kept and marked bad
        # (instead of a 500 that Intuit would retry for days)
        text = body.decode("utf-8", "replace").replace("\x00", "\ufffd")
        realms: list[str | None] = [None]
        if self.by_realm:
            try:
                named = sorted({event.realm_id for event in parse_events(body)})
            except WebhookPayloadError:
                named = []  # kept once, untagged, and marked bad when processed
            realms = list(named) or [None]
        with self.mirror.transaction() as conn:
            for realm_id in realms:
                conn.execute(
                    insert(t.inbox).values(
                        received_at=now_text(),
                        content_type=(content_type or "")[:100],
                        body=text,
                        state="pending",
                        attempts=0,
                        realm_id=realm_id,
                    )
                )
        return [r for r in realms if r is not None]

    async def _endpoint(self, request: Request) -> Response:
        body = await read_body(request, self.max_body_bytes)
        if body is None:
            return Response(status_code=413)
        if not self._verify(body, request.headers.get(SIGNATURE_HEADER)):
            log.warning("webhook delivery refused: the signature does not match")
            return Response(status_code=401)
        realms = await run_in_threadpool(self._store, body, request.headers.get("content-type"))
        if self.on_stored is not None:
            self.on_stored()
        if self.on_realms is not None and realms:
            answer = self.on_realms(realms)
            if inspect.isawaitable(answer):
                await answer
        return Response(status_code=200)


@dataclass
class InboxReport:
    """What one :func:`process_inbox` call did."""

    done: int = 0
    bad: int = 0
    retrying: int = 0
    failed: int = 0
    requests: int = 0
    applied: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Plan:
    gone: list[Change] = field(default_factory=list)
    wanted: dict[str, set[str]] = field(default_factory=dict)


def _plan(events: list[WebhookEvent], realms: Mapping[str, AsyncClient]) -> dict[str, _Plan]:
    plans: dict[str, _Plan] = {}
    for event in events:
        client = realms.get(event.realm_id)
        if client is None or not queryable(event.entity):
            continue  # a company or an entity this mirror does not keep
        plan = plans.setdefault(event.realm_id, _Plan())
        when = event.occurred_at or client.settings.clock()
        if event.operation == Operation.DELETE:
            plan.gone.append(Gone(event.entity, event.entity_id, when))
            continue
        if event.operation == Operation.MERGE and event.deleted_id:
            plan.gone.append(Gone(event.entity, event.deleted_id, when, kind="merged"))
        plan.wanted.setdefault(event.entity, set()).add(event.entity_id)
    return plans


async def _changes(
    client: AsyncClient, plan: _Plan, report: InboxReport, failed: dict[str, str]
) -> tuple[list[Change], bool]:
    """The changes ``plan`` names, and whether its whole read failed; the entities whose
    read failed go to ``failed`` (entity -> error)."""
    try:
        fetched = await fetch(client, plan.wanted)
    except AUTH_ERRORS:
        raise
    except (QBOError, OSError) as exc:  # after the client's retries: these objects wait
        failed.update(dict.fromkeys(plan.wanted, f"{type(exc).__name__}: {exc}"))
        return list(plan.gone), True
    failed.update(fetched.errors)
    report.requests += fetched.requests
    now = client.settings.clock()
    changes: list[Change] = [*plan.gone, *fetched.documents]
    for entity, ids in fetched.missing.items():
        changes.extend(Gone(entity, object_id, now) for object_id in ids)
    return changes, False


def _mark(mirror: Mirror, seq: int, **values: object) -> None:
    with mirror.transaction() as conn:
        conn.execute(update(t.inbox).where(t.inbox.c.seq == seq).values(**values))


def _count_retry(
    mirror: Mirror, seq: int, attempts: int, max_attempts: int, error: str, report: InboxReport
) -> None:
    """The delivery stays pending for a later call, or is ``failed`` after its last try."""
    final = attempts + 1 >= max_attempts
    _mark(mirror, seq, state="failed" if final else "pending", attempts=attempts + 1, error=error)
    report.errors.append(error)
    if final:
        report.failed += 1
    else:
        report.retrying += 1


async def process_inbox(
    mirror: Mirror,
    clients: Mapping[str, AsyncClient] | AsyncClient,
    *,
    limit: int = 100,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    realm_id: str | None = None,
) -> InboxReport:
    """Apply up to ``limit`` pending deliveries, oldest first (see the module docstring).

    ``clients`` maps realm ids to clients (one client serves its own realm); events of
    other companies are skipped. ``realm_id`` takes only the rows stored for that company
    (an inbox with ``by_realm``), so each company's job applies its own events.
    """
    realms = {clients.realm_id: clients} if isinstance(clients, AsyncClient) else dict(clients)
    report = InboxReport()
    with mirror.transaction() as conn:
        query = select(t.inbox.c.seq, t.inbox.c.body, t.inbox.c.attempts).where(
            t.inbox.c.state == "pending"
        )
        if realm_id is not None:
            query = query.where(t.inbox.c.realm_id == realm_id)
        pending = conn.execute(query.order_by(t.inbox.c.seq).limit(limit)).all()
        stopped = {r for r in realms if state.realm_state(conn, r)[0] == "stopped"}
    active = {r: c for r, c in realms.items() if r not in stopped}
    outage = 0  # deliveries in a row whose every read failed
    for seq, body, attempts in pending:
        try:
            events = parse_events(body)
        except WebhookPayloadError as exc:
            _mark(mirror, seq, state="bad", error=str(exc))
            report.bad += 1
            continue
        plans = _plan(events, active)
        changes: dict[str, list[Change]] = {}
        failures: dict[str, dict[str, str]] = {r: {} for r in plans}  # realm -> entity -> error
        unreachable = 0
        try:
            for company, plan in plans.items():
                changes[company], read_failed = await _changes(
                    active[company], plan, report, failures[company]
                )
                unreachable += read_failed
        except AUTH_ERRORS as exc:
            error = f"{type(exc).__name__}: {exc}"
            realm_ids = {e.realm_id for e in events if e.realm_id in active}
            with mirror.transaction() as conn:
                for stopped_realm in realm_ids:
                    state.ensure(conn, stopped_realm, [])
                    state.set_realm(conn, stopped_realm, "stopped", error)
            _count_retry(mirror, seq, attempts, max_attempts, error, report)
            break  # the connection is refused: nothing more is tried until it is reset
        problems = [
            f"{company} {entity}: {error}"
            for company, errors in failures.items()
            for entity, error in errors.items()
        ]
        touched = {company: References() for company in changes}
        with mirror.transaction() as conn:
            for company, realm_changes in changes.items():
                state.ensure(conn, company, [])
                applied = mirror.apply(conn, company, realm_changes, touched=touched[company])
                report.applied += sum(applied.values())
                for entity in plans[company].wanted:
                    state.note_webhook_error(conn, company, entity, failures[company].get(entity))
            if not problems:
                conn.execute(
                    update(t.inbox)
                    .where(t.inbox.c.seq == seq)
                    .values(state="done", attempts=attempts + 1, error=None)
                )
        if problems:
            _count_retry(mirror, seq, attempts, max_attempts, "; ".join(problems), report)
        else:
            report.done += 1
        for company, references in touched.items():
            try:
                refreshed = await refresh_derived(mirror, active[company], references)
            except (QBOError, OSError) as exc:  # the next sweep reads them again
                report.errors.append(f"{company}: {type(exc).__name__}: {exc}")
                continue
            report.requests += refreshed.requests
            report.applied += sum(refreshed.changes.values())
        outage = outage + 1 if plans and unreachable == len(plans) else 0
        if outage >= OUTAGE_DELIVERIES:
            break  # QBO itself is failing, not one object: the rest waits for the next call
    return report
