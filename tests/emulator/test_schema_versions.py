"""The emulator database carries a schema revision: new files get the head, older files are
upgraded when opened, and a file from a newer qbo is refused before anything changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, inspect, text

from qbo.emulator import Emulator, EmulatorConfig
from qbo.emulator.domain import crud
from qbo.emulator.migrations import EMULATOR_SCHEMA
from qbo.emulator.oauth.tables import define as define_oauth_tables
from qbo.migrations import SchemaVersionError, head_revision
from qbo.schema import catalogue

VERSION_TABLE = EMULATOR_SCHEMA.version_table


def _oauth_table_names() -> list[str]:
    return [t.name for t in define_oauth_tables(MetaData()).all()]


def _make_file(path: Path) -> str:
    """A database with one customer, written by this version; returns the customer's Id."""
    emulator = Emulator.open(EmulatorConfig(db=str(path), seed="empty"))
    realm = emulator.realms.list()[0]
    with emulator.realms.session(realm, write=True) as s:
        doc = crud.create(s, catalogue().entity("Customer"), {"DisplayName": "Kept Across"})
    emulator.close()
    return str(doc["Id"])


def _read_customer(emulator: Emulator, customer_id: str) -> str:
    realm = emulator.realms.list()[0]
    with emulator.realms.session(realm, write=False) as s:
        return str(crud.read(s, catalogue().entity("Customer"), customer_id)["DisplayName"])


def _revision(path: Path) -> list[str]:
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        rows = [r[0] for r in conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
    engine.dispose()
    return rows


def test_a_new_database_is_created_at_the_head_revision(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    Emulator.open(EmulatorConfig(db=str(path), seed="empty")).close()
    assert _revision(path) == [head_revision(EMULATOR_SCHEMA)]


@pytest.mark.slow
def test_a_file_made_before_versioning_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    customer_id = _make_file(path)
    # Turn it into what the previous schema wrote: no version table, and no OAuth tables
    # (they were only created when OAuth was first used).
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {VERSION_TABLE}"))
        for name in _oauth_table_names():
            conn.execute(text(f"DROP TABLE {name}"))
    with engine.connect() as conn:
        assert not inspect(conn).has_table("oauth_apps")
    engine.dispose()

    emulator = Emulator.open(EmulatorConfig(db=str(path), seed="empty"))
    try:
        assert _read_customer(emulator, customer_id) == "Kept Across"
        assert len(emulator.realms.list()) == 1  # no second realm seeded
        assert emulator.oauth.users.list()  # the OAuth tables exist and work
    finally:
        emulator.close()
    assert _revision(path) == [head_revision(EMULATOR_SCHEMA)]


def test_a_file_from_a_newer_qbo_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.db"
    customer_id = _make_file(path)
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()

    with pytest.raises(SchemaVersionError, match=r"revision '9999'.*newer qbo"):
        Emulator.open(EmulatorConfig(db=str(path), seed="empty"))
    assert _revision(path) == ["9999"]
    # The data is still there for the newer qbo that wrote it.
    engine = create_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM realms")).scalar_one() == 1
    engine.dispose()
    assert customer_id
