"""The SQL token table carries a schema revision in ``{table}_version``: a table made before
versioning is adopted with its rows, one from a newer qbo is refused untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text

from qbo.client.auth import SQLTokenStore
from qbo.client.pacing import Cost, PacingLimits, SqlitePacingStore
from qbo.migrations import SchemaVersionError
from tests.client.auth.test_stores import token

#: The token table as qbo created it before versioning (no version table).
OLD_TABLE = (
    "CREATE TABLE qbo_tokens (realm_id VARCHAR(64) NOT NULL, client_id VARCHAR(128) NOT NULL,"
    " token TEXT, updated_at DATETIME NOT NULL, PRIMARY KEY (realm_id, client_id))"
)

#: The pacing log as qbo created it before versioning.
OLD_PACING_TABLE = (
    "CREATE TABLE qbo_pacing (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL,"
    " start REAL NOT NULL, finish REAL, weight INTEGER NOT NULL, batch INTEGER NOT NULL)"
)


def _versions(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text("SELECT version_num FROM qbo_tokens_version"))]
    engine.dispose()
    return rows


def test_a_new_table_is_stamped(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'new.db'}"
    SQLTokenStore(url, client_id="app-1", plaintext=True).close()
    assert _versions(url) == ["0001"]


def test_a_table_made_before_versioning_keeps_its_tokens(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(OLD_TABLE))
    engine.dispose()
    # a token written into the old table (create=False: nothing is versioned yet)
    writer = SQLTokenStore(url, client_id="app-1", create=False, plaintext=True)
    writer.save(token("42"))
    writer.close()
    engine = create_engine(url)
    with engine.connect() as conn:
        assert not inspect(conn).has_table("qbo_tokens_version")
    engine.dispose()

    store = SQLTokenStore(url, client_id="app-1", plaintext=True)
    try:
        loaded = store.load("42")
        assert loaded is not None and loaded.access_token == token("42").access_token
    finally:
        store.close()
    assert _versions(url) == ["0001"]


def test_a_table_from_a_newer_qbo_is_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'newer.db'}"
    SQLTokenStore(url, client_id="app-1", plaintext=True).close()
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE qbo_tokens_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match=r"token table qbo_tokens.*'0099'.*newer qbo"):
        SQLTokenStore(url, client_id="app-1", plaintext=True)
    assert _versions(url) == ["0099"]


def test_the_pacing_log_is_versioned_too(tmp_path: Path) -> None:
    path = tmp_path / "pacing.db"
    raw = sqlite3.connect(path)
    raw.execute(OLD_PACING_TABLE)  # as the store created it before versioning
    raw.execute(
        "INSERT INTO qbo_pacing (key, start, finish, weight, batch) VALUES ('r', 1, 2, 1, 0)"
    )
    raw.commit()
    raw.close()
    store = SqlitePacingStore(path)
    store.try_acquire("other", Cost(1, False), PacingLimits())
    store.close()
    url = f"sqlite:///{path}"
    engine = create_engine(url)
    with engine.connect() as conn:
        assert [r[0] for r in conn.execute(text("SELECT version_num FROM qbo_pacing_version"))] == [
            "0001"
        ]
        assert (
            conn.execute(text("SELECT count(*) FROM qbo_pacing WHERE key = 'r'")).scalar_one() == 1
        )
    with engine.begin() as conn:
        conn.execute(text("UPDATE qbo_pacing_version SET version_num = '0099'"))
    engine.dispose()
    with pytest.raises(SchemaVersionError, match=r"pacing log.*'0099'"):
        SqlitePacingStore(path).try_acquire("other", Cost(1, False), PacingLimits())
