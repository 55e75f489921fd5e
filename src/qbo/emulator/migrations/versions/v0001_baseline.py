"""The schema before versioning: realms, entities, ledger, change and request logs,
webhook, mail and file tables.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from qbo.emulator.store.delivery_tables import define as define_delivery_tables
from qbo.emulator.store.tables import Tables

revision = "0001"
down_revision: str | None = None


def upgrade() -> None:
    tables = Tables.build()
    md: MetaData = tables.metadata
    define_delivery_tables(md)
    md.create_all(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone")
