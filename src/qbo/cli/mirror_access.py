"""The mirror options every ``qbo sync`` command takes, and opening the mirror they name."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

import typer

from qbo.cli.errors import EXIT_CONFIG, EXIT_UNREACHABLE, CommandError

if TYPE_CHECKING:
    from qbo.sync import Mirror

MirrorOption = Annotated[
    str | None,
    typer.Option(
        "--mirror",
        envvar="QBO_MIRROR",
        help="Mirror database URL (default: sqlite:///.qbo/mirror.db).",
        show_default=False,
    ),
]
SchemaOption = Annotated[
    str | None,
    typer.Option(
        "--mirror-schema", envvar="QBO_MIRROR_SCHEMA", help="PostgreSQL schema of the mirror."
    ),
]


@contextlib.contextmanager
def opened(url: str | None, schema: str | None) -> Iterator[Mirror]:
    from qbo.sync import Mirror, MirrorError, MirrorVersionError

    try:
        mirror = Mirror.open(url, schema=schema)
    except MirrorVersionError as exc:
        raise CommandError(str(exc), EXIT_CONFIG) from None
    except MirrorError as exc:
        code = EXIT_UNREACHABLE if "cannot open" in str(exc) else EXIT_CONFIG
        raise CommandError(str(exc), code) from None
    try:
        yield mirror
    finally:
        mirror.close()
