"""The pacing request log as it was before versioning."""

from __future__ import annotations

from alembic import op

revision = "0001"
down_revision: str | None = None

TABLE = (
    "CREATE TABLE IF NOT EXISTS qbo_pacing (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    " key TEXT NOT NULL, start REAL NOT NULL, finish REAL, weight INTEGER NOT NULL,"
    " batch INTEGER NOT NULL)"
)
INDEX = "CREATE INDEX IF NOT EXISTS qbo_pacing_key ON qbo_pacing (key, finish)"


def upgrade() -> None:
    op.execute(TABLE)
    op.execute(INDEX)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone")
