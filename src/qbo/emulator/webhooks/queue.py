"""The webhook outbox in the database: cursors, deliveries and attempts.

Turning changes into deliveries is one transaction: the deliveries are inserted and the
app's cursor (the last ``changes.seq`` handled) moves in the same commit, so a crash
either keeps both or neither; an event is never skipped, and never queued twice. Each
attempt is written with the delivery's new state in one transaction too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, Table, and_, insert, or_, select, update

from qbo.emulator.store.delivery_tables import DeliveryTables
from qbo.emulator.webhooks.events import VERBS, WEBHOOK_ENTITIES, Event, payload
from qbo.emulator.webhooks.targets import WebhookTarget

#: Events in one delivery at most (a larger backlog becomes several deliveries).
MAX_EVENTS_PER_DELIVERY = 500
#: Events turned into deliveries per app in one pass at most.
MAX_EVENTS_PER_PASS = 5000


@dataclass(frozen=True)
class Delivery:
    id: int
    app_id: str
    format: str
    payload: bytes
    attempts: int


def cursors(conn: Connection, t: DeliveryTables) -> dict[str, int]:
    rows = conn.execute(select(t.webhook_cursors.c.app_id, t.webhook_cursors.c.last_seq))
    return {row.app_id: int(row.last_seq) for row in rows}


def save_cursor(conn: Connection, t: DeliveryTables, app_id: str, seq: int, known: bool) -> None:
    c = t.webhook_cursors
    if known:
        conn.execute(update(c).where(c.c.app_id == app_id).values(last_seq=seq))
    else:
        conn.execute(insert(c).values(app_id=app_id, last_seq=seq))


def pending_events(
    conn: Connection, changes: Table, target: WebhookTarget, after: int, upto: int
) -> list[Event]:
    """The target's events with ``after < seq <= upto``, oldest first."""
    if not target.realms:
        return []
    realm_filter = or_(
        *(
            and_(changes.c.realm_id == realm, changes.c.changed_ms >= since)
            for realm, since in sorted(target.realms.items())
        )
    )
    rows = conn.execute(
        select(
            changes.c.seq,
            changes.c.realm_id,
            changes.c.entity,
            changes.c.entity_id,
            changes.c.operation,
            changes.c.changed_ms,
            changes.c.deleted_id,
        )
        .where(
            changes.c.seq > after,
            changes.c.seq <= upto,
            changes.c.entity.in_(sorted(WEBHOOK_ENTITIES)),
            changes.c.operation.in_(sorted(VERBS)),
            realm_filter,
        )
        .order_by(changes.c.seq)
        .limit(MAX_EVENTS_PER_PASS)
    ).all()
    return [
        Event(
            seq=int(r.seq),
            realm_id=r.realm_id,
            entity=r.entity,
            entity_id=str(r.entity_id),
            operation=r.operation,
            changed_ms=int(r.changed_ms),
            deleted_id=None if r.deleted_id is None else str(r.deleted_id),
        )
        for r in rows
    ]


def enqueue(
    conn: Connection,
    t: DeliveryTables,
    target: WebhookTarget,
    events: Sequence[Event],
    now_wall_ms: int,
) -> int:
    """Queue the events as deliveries due now; answers how many deliveries."""
    count = 0
    for start in range(0, len(events), MAX_EVENTS_PER_DELIVERY):
        chunk = events[start : start + MAX_EVENTS_PER_DELIVERY]
        body, _ = payload(target.app_id, target.format, chunk)
        conn.execute(
            insert(t.webhook_deliveries).values(
                app_id=target.app_id,
                format=target.format,
                realm_ids=" ".join(dict.fromkeys(e.realm_id for e in chunk)),
                event_count=len(chunk),
                payload=body.decode("utf-8"),
                state="pending",
                attempts=0,
                next_wall_ms=now_wall_ms,
                created_wall_ms=now_wall_ms,
            )
        )
        count += 1
    return count


def due(conn: Connection, t: DeliveryTables, now_wall_ms: int, limit: int) -> list[Delivery]:
    d = t.webhook_deliveries
    rows = conn.execute(
        select(d.c.id, d.c.app_id, d.c.format, d.c.payload, d.c.attempts)
        .where(d.c.state == "pending", d.c.next_wall_ms <= now_wall_ms)
        .order_by(d.c.id)
        .limit(limit)
    ).all()
    return [
        Delivery(int(r.id), r.app_id, r.format, r.payload.encode("utf-8"), int(r.attempts))
        for r in rows
    ]


@dataclass(frozen=True)
class Outcome:
    """What one attempt gave."""

    url: str
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def record_attempt(
    conn: Connection,
    t: DeliveryTables,
    delivery: Delivery,
    outcome: Outcome,
    now_wall_ms: int,
    next_wall_ms: int | None,
) -> str:
    """Log the attempt and move the delivery on; ``next_wall_ms`` None gives up on failure.

    Answers the delivery's new state.
    """
    attempt = delivery.attempts + 1
    conn.execute(
        insert(t.webhook_attempts).values(
            delivery_id=delivery.id,
            app_id=delivery.app_id,
            attempt=attempt,
            url=outcome.url,
            status_code=outcome.status_code,
            error=outcome.error,
            duration_ms=outcome.duration_ms,
            at_wall_ms=now_wall_ms,
        )
    )
    d = t.webhook_deliveries
    if outcome.ok:
        state, values = "delivered", {"done_wall_ms": now_wall_ms}
    elif next_wall_ms is None:
        state, values = "failed", {"done_wall_ms": now_wall_ms}
    else:
        state, values = "pending", {"next_wall_ms": next_wall_ms}
    conn.execute(
        update(d)
        .where(d.c.id == delivery.id, d.c.state == "pending")
        .values(state=state, attempts=attempt, **values)
    )
    return state
