"""The fleet's tables: the realms it keeps current, one row per job run, and the
webhook inbox's realm (a delivery stored once per company it names).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "qbo_fleet_realms",
        sa.Column("realm_id", sa.String(32), primary_key=True),
        sa.Column("environment", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("next_attempt", sa.String(40)),
        sa.Column("reason", sa.Text),
        sa.Column("added", sa.String(40), nullable=False),
        sa.Column("updated", sa.String(40), nullable=False),
    )
    op.create_table(
        "qbo_fleet_runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.BigInteger),
        sa.Column("task", sa.String(40), nullable=False),
        sa.Column("realm_id", sa.String(32), nullable=False),
        sa.Column("worker", sa.String(100), nullable=False),
        sa.Column("started_ms", sa.BigInteger, nullable=False),
        sa.Column("finished_ms", sa.BigInteger),
        sa.Column("outcome", sa.String(16)),
        sa.Column("changes", sa.Integer),
        sa.Column("requests", sa.Integer),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_fleet_runs_realm", "qbo_fleet_runs", ["realm_id", "started_ms"])
    op.add_column("qbo_webhook_inbox", sa.Column("realm_id", sa.String(32)))
    op.create_index("ix_inbox_realm", "qbo_webhook_inbox", ["realm_id", "state", "seq"])


def downgrade() -> None:
    op.drop_index("ix_inbox_realm", table_name="qbo_webhook_inbox")
    op.drop_column("qbo_webhook_inbox", "realm_id")
    op.drop_index("ix_fleet_runs_realm", table_name="qbo_fleet_runs")
    op.drop_table("qbo_fleet_runs")
    op.drop_table("qbo_fleet_realms")
