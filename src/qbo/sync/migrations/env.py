"""Alembic's environment for the mirror: runs on the connection ``qbo.sync`` hands over.

The version table is ``qbo_mirror_version``, so the mirror's migrations never meet those
of another Alembic user of the same database.
"""

from __future__ import annotations

from alembic import context

from qbo.sync.tables import metadata

VERSION_TABLE = "qbo_mirror_version"

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=metadata, version_table=VERSION_TABLE)
with context.begin_transaction():
    context.run_migrations()
