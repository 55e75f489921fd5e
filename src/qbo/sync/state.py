"""Per-realm and per-entity sync state: cursors, phases, errors (``qbo_sync_cursors``).

An entity is in the ``load`` phase (paging through every row; ``load_position`` is the
next row to ask for, advanced with the rows in one transaction) or ``incremental``
(changes since ``cdc_since`` through CDC). A realm is ``active`` or ``stopped`` (its
connection was revoked: nothing is tried until the user reconnects and resets it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qbo.schema.instants import parse_instant
from qbo.sync import tables as t
from qbo.sync.mirror import now_text

LOAD = "load"
INCREMENTAL = "incremental"


@dataclass(frozen=True)
class Cursor:
    entity: str
    phase: str
    load_number: int
    load_position: int
    load_started: datetime | None
    cdc_since: datetime | None
    last_error: str | None
    note: str | None


def ensure(conn: Connection, realm_id: str, entities: Iterable[str]) -> None:
    """Cursors (in the load phase) for entities that have none; the realm's row too."""
    c = t.cursors
    known = set(conn.execute(select(c.c.entity).where(c.c.realm_id == realm_id)).scalars())
    missing = [e for e in entities if e not in known]
    if missing:
        conn.execute(
            insert(c),
            [
                {"realm_id": realm_id, "entity": e, "phase": LOAD, "load_number": 0}
                | {"load_position": 1}
                for e in missing
            ],
        )
    r = t.realms
    if conn.execute(select(r.c.realm_id).where(r.c.realm_id == realm_id)).first() is None:
        conn.execute(insert(r).values(realm_id=realm_id, state="active", updated=now_text()))


def load_all(conn: Connection, realm_id: str) -> dict[str, Cursor]:
    c = t.cursors
    rows = conn.execute(select(c).where(c.c.realm_id == realm_id)).all()
    return {
        row.entity: Cursor(
            row.entity,
            row.phase,
            int(row.load_number),
            int(row.load_position),
            parse_instant(row.load_started),
            parse_instant(row.cdc_since),
            row.last_error,
            row.note,
        )
        for row in rows
    }


def save(conn: Connection, realm_id: str, entity: str, **values: Any) -> None:
    c = t.cursors
    for key in ("load_started", "cdc_since"):
        if isinstance(values.get(key), datetime):
            values[key] = values[key].isoformat()
    conn.execute(update(c).where(c.c.realm_id == realm_id, c.c.entity == entity).values(**values))


WEBHOOK_ERROR = "webhook: "


def note_webhook_error(conn: Connection, realm_id: str, entity: str, error: str | None) -> None:
    """Show a failed webhook fetch in the entity's status; a later success clears it
    (an error a sweep recorded is the sweep's to clear)."""
    c = t.cursors
    query = update(c).where(c.c.realm_id == realm_id, c.c.entity == entity)
    if error is None:
        query = query.where(c.c.last_error.like(WEBHOOK_ERROR + "%")).values(last_error=None)
    else:
        query = query.values(last_error=WEBHOOK_ERROR + error)
    conn.execute(query)


def realm_state(conn: Connection, realm_id: str) -> tuple[str, str | None]:
    r = t.realms
    row = conn.execute(select(r.c.state, r.c.last_error).where(r.c.realm_id == realm_id)).first()
    return (row.state, row.last_error) if row is not None else ("active", None)


def set_realm(conn: Connection, realm_id: str, state: str, error: str | None) -> None:
    r = t.realms
    conn.execute(
        update(r)
        .where(r.c.realm_id == realm_id)
        .values(state=state, last_error=error, updated=now_text())
    )
