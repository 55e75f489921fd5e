"""Versioned storage: bring a component's tables to the schema this code expects, at open.

Each component that keeps tables (the emulator's database, the client's token and pacing
tables) ships its Alembic migration scripts inside the package and records its revision in
a version table of its own, so several components can share one database. Opening:

- a database without the component's tables (new): the head schema is created directly
  from the table definitions and stamped, with no migration run, so opening stays fast;
- tables made before versioning existed (no version table yet): stamped at the baseline
  revision, then upgraded like any older database;
- an older revision: the missing migrations run, in one transaction where the database
  allows it;
- a revision this code does not know (made by a newer qbo): refused with
  :class:`SchemaVersionError`, before anything is changed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from alembic.script import ScriptDirectory
    from sqlalchemy import Connection

# SQLAlchemy and Alembic are imported by the functions below, when a database is opened,
# not when this module is: they come with the ``sql``/``emulator`` extras (a client-only
# install has neither), and importing Alembic costs about a third of a second that every
# ``import qbo.client`` would otherwise pay.


class SchemaVersionError(RuntimeError):
    """The database was written by a newer version of qbo (or is not one qbo knows)."""


@dataclass(frozen=True)
class Versioning:
    """How one component's tables are versioned."""

    what: str  # for messages: "emulator database", "token table"...
    scripts: Path  # the directory holding ``versions/``
    version_table: str  # distinct per component
    baseline: str  # the revision of tables made before versioning existed
    #: A table whose presence (without a version table) marks tables made before versioning.
    marker_table: str
    schema: str | None = None  # where both tables live (PostgreSQL), None: the default

    def options(self) -> dict[str, Any]:
        return {"version_table": self.version_table, "version_table_schema": self.schema}


@cache
def _script(scripts: Path) -> ScriptDirectory:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(scripts))
    return ScriptDirectory.from_config(config)


def head_revision(v: Versioning) -> str:
    head = _script(v.scripts).get_current_head()
    assert head is not None, f"no migrations in {v.scripts}"
    return head


def current_revision(conn: Connection, v: Versioning) -> str | None:
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(conn, opts=v.options())
    return context.get_current_revision()


def open_versioned(
    conn: Connection,
    v: Versioning,
    create_head: Callable[[Connection], None],
    attributes: dict[str, Any] | None = None,
) -> str:
    """Bring the tables on ``conn`` to the head revision (see the module docstring).

    ``create_head`` creates the head schema on a new database; ``attributes`` reach the
    migration scripts as ``op.get_context().config.attributes`` (a table's name, say).
    Returns the revision the database is at afterwards.
    """

    from sqlalchemy import inspect

    script = _script(v.scripts)
    head = head_revision(v)
    current = current_revision(conn, v)
    if current is None:
        if not inspect(conn).has_table(v.marker_table, schema=v.schema):
            create_head(conn)
            _stamp(conn, v, head)
            return head
        _stamp(conn, v, v.baseline)
        current = v.baseline
    if current == head:
        return head
    try:
        script.get_revision(current)
    except Exception:
        raise SchemaVersionError(
            f"The {v.what} is at schema revision {current!r}, which this version of qbo does "
            f"not know (it knows up to {head!r}): it was written by a newer qbo. Upgrade qbo, "
            "or open another database."
        ) from None
    _upgrade(conn, v, script, attributes or {})
    return head


def _stamp(conn: Connection, v: Versioning, revision: str) -> None:
    from alembic.migration import MigrationContext

    context = MigrationContext.configure(conn, opts=v.options())
    context.stamp(_script(v.scripts), revision)


def _upgrade(
    conn: Connection, v: Versioning, script: ScriptDirectory, attributes: dict[str, Any]
) -> None:
    from alembic.config import Config
    from alembic.runtime.environment import EnvironmentContext

    config = Config()
    config.set_main_option("script_location", str(v.scripts))
    config.attributes.update(attributes)

    def steps(revision: Any, _context: Any) -> Any:
        return script._upgrade_revs("head", revision)

    with EnvironmentContext(config, script, fn=steps, destination_rev="head") as env:
        env.configure(connection=conn, **v.options())
        with env.begin_transaction():
            env.run_migrations()
