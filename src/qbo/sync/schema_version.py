"""The mirror's schema version: Alembic migrations shipped in the package.

``upgrade(engine)`` brings a mirror to the newest schema (``qbo sync init`` and every
start call it); a mirror written by a newer qbo (a revision this package does not know)
is refused with :class:`MirrorVersionError` rather than touched. The version lives in
``qbo_mirror_version``, a table of its own.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).with_name("migrations")
VERSION_TABLE = "qbo_mirror_version"


class MirrorVersionError(RuntimeError):
    """The mirror's schema is from a newer qbo than this one."""


def _config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest revision this package ships."""
    revision = ScriptDirectory.from_config(_config()).get_current_head()
    assert revision is not None
    return revision


def current(engine: Engine) -> str | None:
    """The mirror's revision (None: a database the mirror has never initialised)."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def _known(scripts: ScriptDirectory, revision: str) -> bool:
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def upgrade(engine: Engine) -> str:
    """Migrate the mirror to :func:`head`; answers the revision it is at afterwards."""
    config = _config()
    found = current(engine)
    scripts = ScriptDirectory.from_config(config)
    if found is not None and not _known(scripts, found):
        raise MirrorVersionError(
            f"this mirror's schema is at revision {found!r}, newer than this qbo knows "
            f"(newest: {head()!r}); upgrade qbo to use it"
        )
    if found != head():
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
    return head()
