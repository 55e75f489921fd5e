"""The OAuth tables are created when the database opens, not when OAuth is first used.

Before, a database whose emulator never served OAuth had none; now every database has
them, so the webhook dispatcher and the control plane can read apps unconditionally.
"""

from __future__ import annotations

from alembic import op
from sqlalchemy import MetaData

from qbo.emulator.oauth.tables import define as define_oauth_tables

revision = "0002"
down_revision: str | None = "0001"


def upgrade() -> None:
    md = MetaData()
    tables = define_oauth_tables(md)
    md.create_all(op.get_bind(), tables=tables.all(), checkfirst=True)


def downgrade() -> None:
    md = MetaData()
    tables = define_oauth_tables(md)
    md.drop_all(op.get_bind(), tables=tables.all(), checkfirst=True)
