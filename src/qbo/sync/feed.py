"""The change feed: every change the mirror applied, for user code, at least once.

Each applied change (created, updated, deleted, merged) is written to ``qbo_changes`` in
the same transaction as the row itself, so the feed never misses one and never holds one
that did not happen. A consumer reads events after its stored position and stores the
new position after handling each one; a crash between the two hands the last event over
again (at-least-once), never skips it.

    feed = ChangeFeed(mirror, "paid-invoices")
    def on_change(event: ChangeEvent) -> None:
        if event.entity == "Invoice" and event.kind == "updated":
            invoice = feed.document(event)
            if invoice and invoice["Balance"] == 0:
                send_thank_you(invoice)
    feed.run(on_change)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qbo.schema import jsoncodec
from qbo.sync import tables as t
from qbo.sync.mirror import Mirror, now_text


@dataclass(frozen=True)
class ChangeEvent:
    seq: int
    realm_id: str
    entity: str
    object_id: str
    kind: str  # created | updated | deleted | merged
    sync_token: int | None
    last_updated: str | None
    recorded_at: str


class ChangeFeed:
    """One named consumer of the mirror's change feed."""

    def __init__(self, mirror: Mirror, consumer: str) -> None:
        if not consumer or len(consumer) > 100:
            raise ValueError("a consumer name is 1 to 100 characters")
        self.mirror = mirror
        self.consumer = consumer

    def position(self) -> int:
        """The last event handled (0: none yet)."""
        with self.mirror.transaction() as conn:
            return self._position(conn)

    def _position(self, conn: Connection) -> int:
        p = t.positions
        value = conn.execute(select(p.c.position).where(p.c.consumer == self.consumer)).scalar()
        return int(value) if value is not None else 0

    def pending(self, limit: int = 100) -> list[ChangeEvent]:
        """The next events after the stored position, oldest first."""
        c = t.changes
        with self.mirror.transaction() as conn:
            rows = conn.execute(
                select(c).where(c.c.seq > self._position(conn)).order_by(c.c.seq).limit(limit)
            ).all()
        return [
            ChangeEvent(
                int(r.seq),
                r.realm_id,
                r.entity,
                r.object_id,
                r.kind,
                r.sync_token,
                r.last_updated,
                r.recorded_at,
            )
            for r in rows
        ]

    def ack(self, event: ChangeEvent | int) -> None:
        """Store the position after ``event`` (it never moves backwards)."""
        seq = event.seq if isinstance(event, ChangeEvent) else int(event)
        p = t.positions
        with self.mirror.transaction() as conn:
            found = conn.execute(select(p.c.position).where(p.c.consumer == self.consumer)).scalar()
            if found is None:
                conn.execute(
                    insert(p).values(consumer=self.consumer, position=seq, updated=now_text())
                )
            elif seq > int(found):
                conn.execute(
                    update(p)
                    .where(p.c.consumer == self.consumer)
                    .values(position=seq, updated=now_text())
                )

    def run(self, handler: Callable[[ChangeEvent], object], *, batch: int = 100) -> int:
        """Hand every pending event to ``handler``, storing the position after each.

        Answers how many were handled. An exception from the handler stops the run with
        the position before the failed event, so it is handed over again next time.
        """
        handled = 0
        while events := self.pending(batch):
            for event in events:
                handler(event)
                self.ack(event)
                handled += 1
        return handled

    def document(self, event: ChangeEvent) -> dict[str, Any] | None:
        """The mirror's current document of the event's object (None for a tombstone)."""
        o = t.objects
        with self.mirror.transaction() as conn:
            text = conn.execute(
                select(o.c.document).where(
                    o.c.realm_id == event.realm_id,
                    o.c.entity == event.entity,
                    o.c.id == event.object_id,
                    o.c.deleted.is_(False),
                )
            ).scalar()
        if text is None:
            return None
        value: dict[str, Any] = jsoncodec.loads(text)
        return value
