"""What ``qbo sync status`` shows: per realm and entity, rows, tombstones, cursor, lag."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select

from qbo.sync import state
from qbo.sync import tables as t
from qbo.sync.mirror import Mirror


@dataclass(frozen=True)
class EntityStatus:
    entity: str
    phase: str
    rows: int
    tombstones: int
    cursor: str | None  # the CDC cursor, or the load's next position
    lag_seconds: float | None  # now - the CDC cursor
    last_error: str | None
    note: str | None


@dataclass(frozen=True)
class RealmStatus:
    realm_id: str
    state: str
    last_error: str | None
    entities: list[EntityStatus] = field(default_factory=list)
    inbox: dict[str, int] = field(default_factory=dict)  # webhook deliveries by state


def realm_ids(mirror: Mirror) -> list[str]:
    with mirror.transaction() as conn:
        return sorted(conn.execute(select(t.realms.c.realm_id)).scalars())


def realm_status(mirror: Mirror, realm_id: str, now: datetime | None = None) -> RealmStatus:
    o = t.objects
    with mirror.transaction() as conn:
        realm_state, error = state.realm_state(conn, realm_id)
        cursors = state.load_all(conn, realm_id)
        counts = {
            (row.entity, bool(row.deleted)): int(row.n)
            for row in conn.execute(
                select(o.c.entity, o.c.deleted, func.count().label("n"))
                .where(o.c.realm_id == realm_id)
                .group_by(o.c.entity, o.c.deleted)
            )
        }
        inbox = {
            row.state: int(row.n)
            for row in conn.execute(
                select(t.inbox.c.state, func.count().label("n")).group_by(t.inbox.c.state)
            )
        }
    entities = []
    for name, cursor in sorted(cursors.items()):
        since = cursor.cdc_since
        lag = None
        if since is not None and cursor.phase == state.INCREMENTAL:
            current = now or datetime.now(since.tzinfo)
            lag = max(0.0, (current - since).total_seconds())
        entities.append(
            EntityStatus(
                name,
                cursor.phase,
                counts.get((name, False), 0),
                counts.get((name, True), 0),
                since.isoformat()
                if since is not None and cursor.phase == state.INCREMENTAL
                else f"row {cursor.load_position}",
                lag,
                cursor.last_error,
                cursor.note,
            )
        )
    return RealmStatus(realm_id, realm_state, error, entities, inbox)


__all__ = ["EntityStatus", "RealmStatus", "realm_ids", "realm_status"]
