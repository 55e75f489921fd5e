"""The mirror's tables (SQLAlchemy Core), as the latest migration leaves them.

Users query the mirror with plain SQL: ``qbo_objects`` holds one row per (realm, entity,
Id) with the full JSON document plus typed columns for what people filter on; deleted
objects stay as tombstones (``deleted``, ``deleted_at``). ``qbo_sync_cursors`` is the
per-entity sync state, ``qbo_changes`` the outbox (change feed) and ``qbo_feed_positions``
each consumer's position, ``qbo_webhook_inbox`` the raw webhook deliveries and
``qbo_sync_realms`` each realm's state. The fleet (many workers on PostgreSQL) adds
``qbo_fleet_realms``, the realms it keeps current with their backoff and parking, and
``qbo_fleet_runs``, one row per job run (who worked on which realm, when, with what
outcome). Each entity also has a view of its own over ``qbo_objects`` (``qbo_invoice``,
``qbo_customer``, ...; see ``qbo.sync.views``). The migrations in ``migrations/versions``
create exactly these tables and views; a test checks that they agree.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
)

metadata = MetaData()

ID = String(64)
MONEY = Numeric(20, 6)

objects = Table(
    "qbo_objects",
    metadata,
    Column("realm_id", String(32), primary_key=True),
    Column("entity", String(40), primary_key=True),
    Column("id", ID, primary_key=True),
    Column("sync_token", Integer),
    Column("last_updated", String(40)),  # as QBO wrote it, with the company's offset
    Column("updated_ms", BigInteger),  # the same instant as epoch ms, for ordering
    Column("deleted", Boolean, nullable=False, default=False),
    Column("deleted_at", String(40)),
    Column("name", Text),
    Column("doc_number", String(40)),
    Column("txn_date", Date),
    Column("due_date", Date),
    Column("total_amt", MONEY),
    Column("balance", MONEY),
    Column("customer_ref", ID),
    Column("vendor_ref", ID),
    Column("active", Boolean),
    Column("currency_ref", String(8)),
    Column("document", Text),  # the full JSON object; null for a tombstone never seen alive
    Column("seen_load", Integer),  # the load that last saw it (finds deletions after a reload)
)
Index("ix_qbo_objects_entity", objects.c.realm_id, objects.c.entity, objects.c.deleted)

cursors = Table(
    "qbo_sync_cursors",
    metadata,
    Column("realm_id", String(32), primary_key=True),
    Column("entity", String(40), primary_key=True),
    Column("phase", String(16), nullable=False),  # load | incremental
    Column("load_number", Integer, nullable=False, default=0),
    Column("load_position", Integer, nullable=False, default=1),  # next STARTPOSITION
    Column("load_started", String(40)),  # ISO instant the current load started
    Column("cdc_since", String(40)),  # ISO instant changes are read from
    Column("last_pass", String(40)),
    Column("last_error", Text),
    Column("note", Text),  # e.g. why the entity was reloaded
)

realms = Table(
    "qbo_sync_realms",
    metadata,
    Column("realm_id", String(32), primary_key=True),
    Column("state", String(16), nullable=False),  # active | stopped
    Column("last_error", Text),
    Column("updated", String(40)),
)

changes = Table(
    "qbo_changes",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("realm_id", String(32), nullable=False),
    Column("entity", String(40), nullable=False),
    Column("object_id", ID, nullable=False),
    Column("kind", String(16), nullable=False),  # created | updated | deleted | merged
    Column("sync_token", Integer),
    Column("last_updated", String(40)),
    Column("recorded_at", String(40), nullable=False),
)

positions = Table(
    "qbo_feed_positions",
    metadata,
    Column("consumer", String(100), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("updated", String(40)),
)

inbox = Table(
    "qbo_webhook_inbox",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("received_at", String(40), nullable=False),
    Column("content_type", String(100)),
    Column("body", Text, nullable=False),
    Column("state", String(16), nullable=False),  # pending | done | bad | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("realm_id", String(32)),  # the company, when stored per company (the fleet)
    Index("ix_inbox_realm", "realm_id", "state", "seq"),
)
Index("ix_qbo_webhook_inbox_state", inbox.c.state, inbox.c.seq)


fleet_realms = Table(
    "qbo_fleet_realms",
    metadata,
    Column("realm_id", String(32), primary_key=True),
    Column("environment", Text, nullable=False),  # production, sandbox or a base URL
    Column("state", String(16), nullable=False),  # active | backoff | parked
    Column("failures", Integer, nullable=False, default=0),  # in a row
    Column("next_attempt", String(40)),  # ISO instant; none before it while backing off
    Column("reason", Text),  # why parked or backing off
    Column("added", String(40), nullable=False),
    Column("updated", String(40), nullable=False),
)

fleet_runs = Table(
    "qbo_fleet_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", BigInteger),  # procrastinate's job id
    Column("task", String(40), nullable=False),
    Column("realm_id", String(32), nullable=False),
    Column("worker", String(100), nullable=False),  # host:pid
    Column("started_ms", BigInteger, nullable=False),
    Column("finished_ms", BigInteger),
    Column("outcome", String(16)),  # ok | error | parked
    Column("changes", Integer),
    Column("requests", Integer),
    Column("error", Text),
    Index("ix_fleet_runs_realm", "realm_id", "started_ms"),
)
