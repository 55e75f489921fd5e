"""The token table as it was before versioning: one row per (realm_id, client_id)."""

from __future__ import annotations

from alembic import context, op
from sqlalchemy import Column, DateTime, MetaData, String, Table, Text

revision = "0001"
down_revision: str | None = None


def upgrade() -> None:
    attributes = context.config.attributes
    table = Table(
        attributes["table"],
        MetaData(schema=attributes.get("schema")),
        Column("realm_id", String(64), primary_key=True),
        Column("client_id", String(128), primary_key=True),
        Column("token", Text, nullable=True),
        Column("updated_at", DateTime(timezone=True), nullable=False),
    )
    table.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone")
