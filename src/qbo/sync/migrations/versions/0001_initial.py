"""The mirror's first schema: objects, cursors, realms, change feed, webhook inbox.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)
MONEY = sa.Numeric(20, 6)


def upgrade() -> None:
    op.create_table(
        "qbo_objects",
        sa.Column("realm_id", sa.String(32), primary_key=True),
        sa.Column("entity", sa.String(40), primary_key=True),
        sa.Column("id", ID, primary_key=True),
        sa.Column("sync_token", sa.Integer),
        sa.Column("last_updated", sa.String(40)),
        sa.Column("updated_ms", sa.BigInteger),
        sa.Column("deleted", sa.Boolean, nullable=False),
        sa.Column("deleted_at", sa.String(40)),
        sa.Column("name", sa.Text),
        sa.Column("doc_number", sa.String(40)),
        sa.Column("txn_date", sa.Date),
        sa.Column("due_date", sa.Date),
        sa.Column("total_amt", MONEY),
        sa.Column("balance", MONEY),
        sa.Column("customer_ref", ID),
        sa.Column("vendor_ref", ID),
        sa.Column("active", sa.Boolean),
        sa.Column("currency_ref", sa.String(8)),
        sa.Column("document", sa.Text),
        sa.Column("seen_load", sa.Integer),
    )
    op.create_index("ix_qbo_objects_entity", "qbo_objects", ["realm_id", "entity", "deleted"])
    op.create_table(
        "qbo_sync_cursors",
        sa.Column("realm_id", sa.String(32), primary_key=True),
        sa.Column("entity", sa.String(40), primary_key=True),
        sa.Column("phase", sa.String(16), nullable=False),
        sa.Column("load_number", sa.Integer, nullable=False),
        sa.Column("load_position", sa.Integer, nullable=False),
        sa.Column("load_started", sa.String(40)),
        sa.Column("cdc_since", sa.String(40)),
        sa.Column("last_pass", sa.String(40)),
        sa.Column("last_error", sa.Text),
        sa.Column("note", sa.Text),
    )
    op.create_table(
        "qbo_sync_realms",
        sa.Column("realm_id", sa.String(32), primary_key=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("updated", sa.String(40)),
    )
    op.create_table(
        "qbo_changes",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("entity", sa.String(40), nullable=False),
        sa.Column("object_id", ID, nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sync_token", sa.Integer),
        sa.Column("last_updated", sa.String(40)),
        sa.Column("recorded_at", sa.String(40), nullable=False),
    )
    op.create_table(
        "qbo_feed_positions",
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("updated", sa.String(40)),
    )
    op.create_table(
        "qbo_webhook_inbox",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("received_at", sa.String(40), nullable=False),
        sa.Column("content_type", sa.String(100)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_qbo_webhook_inbox_state", "qbo_webhook_inbox", ["state", "seq"])


def downgrade() -> None:
    for table in (
        "qbo_webhook_inbox",
        "qbo_feed_positions",
        "qbo_changes",
        "qbo_sync_realms",
        "qbo_sync_cursors",
        "qbo_objects",
    ):
        op.drop_table(table)
