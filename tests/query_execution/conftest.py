"""Emulators of this directory's own, one per database, reached directly or in-process.

The differential and fuzz tests move the clock and create many realms, so they do not
share the session-wide emulators of ``tests/conftest.py``. PostgreSQL follows the same
rules: skipped when unreachable unless ``QBO_REQUIRE_POSTGRES=1``, in a schema of its own
that is dropped at the end.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import sqlalchemy

from qbo.emulator import Emulator, EmulatorConfig
from tests.conftest import PG_URL, REQUIRE_PG, postgres_available


def _postgres_schema() -> str:
    why = postgres_available()
    if why is not None:
        if REQUIRE_PG:
            pytest.fail(f"{why} (QBO_REQUIRE_POSTGRES=1)")
        pytest.skip(why)
    return f"qbo_queryexec_{os.getpid()}_{secrets.token_hex(3)}"


@contextmanager
def own_emulator(backend: str) -> Iterator[Emulator]:
    """An emulator on SQLite (in memory) or PostgreSQL (a schema of its own, dropped after)."""
    if backend == "sqlite":
        emu = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
        try:
            yield emu
        finally:
            emu.close()
        return
    schema = _postgres_schema()
    emu = Emulator.open(EmulatorConfig(db=PG_URL, db_schema=schema, seed="empty"))
    try:
        yield emu
    finally:
        emu.close()
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def qx_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """A private emulator on SQLite (in memory) or PostgreSQL (own schema)."""
    with own_emulator(request.param) as emu:
        yield emu
