"""The ``qbo`` console script: checks that the CLI's extra is installed, then runs it.

A client-only install (``pip install qbo``) has the script too; without ``qbo[cli]`` it
says what to install instead of failing with an ImportError.
"""

from __future__ import annotations

import sys

#: Modules that come with an extra, and the extra that brings each.
EXTRA_OF_MODULE = {
    "typer": "cli",
    "rich": "cli",
    "platformdirs": "cli",
    "uvicorn": "emulator",
    "fpdf": "emulator",
    "multipart": "emulator",
    "python_multipart": "emulator",
    "sqlalchemy": "sql",
    "psycopg": "postgres",
    "alembic": "sync",
    "procrastinate": "sync",
}


def missing_extra(exc: ImportError) -> str | None:
    """``pip install 'qbo[EXTRA]'`` advice for an ImportError of an extra's module."""
    top = (exc.name or "").split(".")[0]
    extra = EXTRA_OF_MODULE.get(top)
    if extra is None:
        return None
    return f"this needs {top}, which comes with qbo[{extra}]: pip install 'qbo[{extra}]'"


def main() -> None:
    try:
        from qbo.cli.main import main as run
    except ImportError as exc:
        advice = missing_extra(exc)
        if advice is None:
            raise
        sys.stderr.write(f"error: the qbo command {advice}\n")
        raise SystemExit(1) from None
    run()
