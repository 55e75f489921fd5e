"""Tables of what the emulator delivers: webhook deliveries, sent mail and attachment files.

They live on the store's own ``MetaData`` (like the OAuth tables) and are created with
every other table when an emulator opens its database (see ``qbo.emulator.migrations``).
Everything here is kept in the
database rather than in memory so that it survives a restart: a webhook delivery still
pending when the process stops is sent after it starts again.

Times named ``*_wall_ms`` are real (wall-clock) epoch milliseconds: the webhook window and
the retry schedule run on real time, as QBO's do. Times named ``*_ms`` without ``wall``
are on the emulator clock (business time), like every other timestamp of the emulator.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from qbo.emulator.store import Store

#: An auto-incrementing key that SQLite never reuses (``sqlite_autoincrement``), so ids in
#: the logs stay unique after rows are deleted.
_ID = BigInteger().with_variant(Integer, "sqlite")


@dataclass(frozen=True)
class DeliveryTables:
    webhook_cursors: Table
    webhook_deliveries: Table
    webhook_attempts: Table
    outbox: Table
    attachment_files: Table

    def all(self) -> list[Table]:
        return [
            self.webhook_cursors,
            self.webhook_deliveries,
            self.webhook_attempts,
            self.outbox,
            self.attachment_files,
        ]


def _table(md: MetaData, name: str, *cols: Any, **kw: Any) -> Table:
    existing = md.tables.get(name)
    if existing is not None:
        return existing
    return Table(name, md, *cols, **kw)


def define(md: MetaData) -> DeliveryTables:
    """The delivery tables on ``md`` (defined on the first call, reused after)."""
    cursors = _table(
        md,
        "webhook_cursors",
        Column("app_id", String(64), primary_key=True),
        # The last ``changes.seq`` turned into deliveries for this app.
        Column("last_seq", BigInteger, nullable=False),
    )
    deliveries = _table(
        md,
        "webhook_deliveries",
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("app_id", String(64), nullable=False),
        Column("format", String(16), nullable=False),  # cloudevents | legacy
        Column("realm_ids", Text, nullable=False),  # space-separated, for the log
        Column("event_count", Integer, nullable=False),
        Column("payload", Text, nullable=False),  # the exact body sent (and signed)
        Column("state", String(16), nullable=False),  # pending | delivered | failed
        Column("attempts", Integer, nullable=False),
        Column("next_wall_ms", BigInteger, nullable=False),
        Column("created_wall_ms", BigInteger, nullable=False),
        Column("done_wall_ms", BigInteger, nullable=True),
        Index("ix_webhook_deliveries_due", "state", "next_wall_ms"),
        Index("ix_webhook_deliveries_app", "app_id", "id"),
        sqlite_autoincrement=True,
    )
    attempts = _table(
        md,
        "webhook_attempts",
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("delivery_id", BigInteger, nullable=False),
        Column("app_id", String(64), nullable=False),
        Column("attempt", Integer, nullable=False),
        Column("url", Text, nullable=False),
        Column("status_code", Integer, nullable=True),  # None: no HTTP answer
        Column("error", Text, nullable=True),
        Column("duration_ms", Integer, nullable=False),
        Column("at_wall_ms", BigInteger, nullable=False),
        Index("ix_webhook_attempts_app", "app_id", "id"),
        Index("ix_webhook_attempts_delivery", "delivery_id"),
        sqlite_autoincrement=True,
    )
    outbox = _table(
        md,
        "outbox",
        Column("id", _ID, primary_key=True, autoincrement=True),
        Column("realm_id", String(32), nullable=False),
        Column("entity", String(40), nullable=False),
        Column("entity_id", String(32), nullable=False),
        Column("doc_number", Text, nullable=True),
        Column("to_addr", Text, nullable=False),
        Column("subject", Text, nullable=False),
        Column("body", Text, nullable=False),
        Column("pdf_name", Text, nullable=False),
        Column("pdf", LargeBinary, nullable=False),
        Column("attachments", Text, nullable=False),  # JSON: attachables sent along
        Column("sent_ms", BigInteger, nullable=False),
        Index("ix_outbox_realm", "realm_id", "id"),
        sqlite_autoincrement=True,
    )
    files = _table(
        md,
        "attachment_files",
        Column("realm_id", String(32), nullable=False),
        Column("attachable_id", BigInteger, nullable=False),
        Column("file_key", String(40), nullable=False, unique=True),  # public, in URLs
        Column("secret", String(64), nullable=False),  # signs this file's download URLs
        Column("file_name", Text, nullable=False),
        Column("content_type", Text, nullable=False),
        Column("size", BigInteger, nullable=False),
        Column("content", LargeBinary, nullable=False),
        Column("created_ms", BigInteger, nullable=False),
        PrimaryKeyConstraint("realm_id", "attachable_id", name="pk_attachment_files"),
    )
    return DeliveryTables(cursors, deliveries, attempts, outbox, files)


def delivery_tables(store: Store) -> DeliveryTables:
    """The tables (already created when the emulator opened) for queries."""
    return define(store.tables.metadata)
