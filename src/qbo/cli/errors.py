"""Every failure of a ``qbo`` command as one clear line and a non-zero exit code.

The root command's group wraps every invocation: a QBO fault prints its code, message and
detail (a bad query says where), a missing login says which command to run, an
unreachable host or database says which. ``qbo --debug`` lets the traceback through.
"""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

#: Exit codes: 1 the request or the data was refused, 3 configuration or login missing,
#: 4 a host or database could not be reached (2 is click's usage error).
EXIT_FAILED = 1
EXIT_CONFIG = 3
EXIT_UNREACHABLE = 4

DEBUG = {"on": False}


class CommandError(Exception):
    """A failure a command explains itself (the message is shown as is)."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def describe(exc: BaseException) -> tuple[str, int] | None:
    """The one-line message and exit code of a known failure; None for a bug."""
    from qbo.cli.config import ConfigError
    from qbo.client.auth import TokenStoreError
    from qbo.client.errors import (
        AuthenticationError,
        ConfigurationError,
        QBOError,
        TransportError,
    )
    from qbo.schema.faults import Fault

    if isinstance(exc, CommandError):
        return str(exc), exc.exit_code
    if isinstance(exc, ConfigError | TokenStoreError | ConfigurationError):
        return str(exc), EXIT_CONFIG
    if isinstance(exc, TransportError):
        return f"cannot reach QuickBooks: {exc.message}", EXIT_UNREACHABLE
    if isinstance(exc, AuthenticationError):
        hint = " (run qbo auth login)" if exc.status_code in (None, 400, 401) else ""
        return f"{_fault_line(exc)}{hint}", EXIT_FAILED
    if isinstance(exc, QBOError):
        return _fault_line(exc), EXIT_FAILED
    if isinstance(exc, Fault):
        return f"{exc.code}: {exc.errors[0].message}: {exc.errors[0].detail}", EXIT_FAILED
    if isinstance(exc, ImportError):
        from qbo.cli.entry import missing_extra

        advice = missing_extra(exc)
        return (advice, EXIT_CONFIG) if advice else None
    if isinstance(exc, OSError) and exc.errno == errno.EADDRINUSE:
        return f"the port is in use: {exc.strerror}", EXIT_FAILED
    return _database_error(exc)


def _fault_line(exc: Any) -> str:
    parts = [f"{exc.code}: {exc.message}" if exc.code else exc.message]
    if exc.detail and exc.detail != exc.message:
        parts.append(exc.detail)
    if exc.element:
        parts.append(f"(element {exc.element})")
    return " ".join(p for p in parts if p)


def _database_error(exc: BaseException) -> tuple[str, int] | None:
    try:
        from sqlalchemy.exc import ArgumentError, OperationalError
    except ImportError:  # pragma: no cover - SQLAlchemy comes with every extra that opens one
        return None
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else "no answer"
        return f"cannot open the database: {reason}", EXIT_UNREACHABLE
    if isinstance(exc, ArgumentError):
        return f"not a database URL: {exc}", EXIT_CONFIG
    return None


def fail(message: str, exit_code: int = EXIT_FAILED) -> typer.Exit:
    """Print ``error: message`` to stderr; the Exit to raise."""
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(exit_code)


@contextmanager
def reported() -> Iterator[None]:
    """Known failures become one line on stderr and an exit code."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException):
        raise
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        raise typer.Exit(130) from None
    except Exception as exc:
        if DEBUG["on"]:
            raise
        known = describe(exc)
        if known is None:
            typer.echo(
                f"error: unexpected {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                err=True,
            )
            raise typer.Exit(EXIT_FAILED) from None
        message, code = known
        raise fail(message, code) from None


class ReportingGroup(TyperGroup):
    """The root group: every subcommand runs inside :func:`reported`."""

    def invoke(self, ctx: Any) -> Any:  # a click Context (typer vendors click)
        with reported():
            return super().invoke(ctx)
