"""The delivery log and queue as the control plane shows them (no verifier token ever).

Times here are real (wall-clock) UTC times, the clock the window and retries run on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from qbo.emulator.store import Store
from qbo.emulator.store.delivery_tables import delivery_tables

STATES = ("pending", "delivered", "failed")


def _iso(wall_ms: int | None) -> str | None:
    if wall_ms is None:
        return None
    return datetime.fromtimestamp(wall_ms / 1000, UTC).isoformat(timespec="milliseconds")


def attempts(store: Store, app_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    """Delivery attempts, newest first: app, url, HTTP status, payload, time."""
    t = delivery_tables(store)
    a, d = t.webhook_attempts, t.webhook_deliveries
    stmt = (
        select(a, d.c.format, d.c.payload, d.c.event_count, d.c.state)
        .join(d, d.c.id == a.c.delivery_id)
        .order_by(a.c.id.desc())
        .limit(limit)
    )
    if app_id is not None:
        stmt = stmt.where(a.c.app_id == app_id)
    with store.read() as conn:
        rows = conn.execute(stmt).all()
    return [
        {
            "id": int(r.id),
            "deliveryId": int(r.delivery_id),
            "app": r.app_id,
            "url": r.url,
            "attempt": int(r.attempt),
            "status": r.status_code,
            "ok": r.status_code is not None and 200 <= r.status_code < 300,
            "error": r.error,
            "durationMs": int(r.duration_ms),
            "time": _iso(int(r.at_wall_ms)),
            "format": r.format,
            "eventCount": int(r.event_count),
            "deliveryState": r.state,
            "payload": json.loads(r.payload),
        }
        for r in rows
    ]


def deliveries(
    store: Store, app_id: str | None = None, state: str | None = None, limit: int = 100
) -> list[dict[str, Any]]:
    """Queued deliveries, newest first, with their state and next attempt."""
    d = delivery_tables(store).webhook_deliveries
    stmt = select(d).order_by(d.c.id.desc()).limit(limit)
    if app_id is not None:
        stmt = stmt.where(d.c.app_id == app_id)
    if state is not None:
        stmt = stmt.where(d.c.state == state)
    with store.read() as conn:
        rows = conn.execute(stmt).all()
    return [
        {
            "id": int(r.id),
            "app": r.app_id,
            "format": r.format,
            "realmIds": r.realm_ids.split(),
            "eventCount": int(r.event_count),
            "state": r.state,
            "attempts": int(r.attempts),
            "createdAt": _iso(int(r.created_wall_ms)),
            "nextAttemptAt": _iso(int(r.next_wall_ms)) if r.state == "pending" else None,
            "doneAt": _iso(None if r.done_wall_ms is None else int(r.done_wall_ms)),
            "payload": json.loads(r.payload),
        }
        for r in rows
    ]
