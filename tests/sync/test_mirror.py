"""The mirror store: schema versions, version ordering, the change feed, bad URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import create_engine, inspect, text

from qbo.sync import (
    ChangeEvent,
    ChangeFeed,
    Document,
    Gone,
    Mirror,
    MirrorError,
    MirrorVersionError,
    Version,
    supersedes,
    views,
)
from qbo.sync import tables as t
from qbo.sync.schema_version import VERSION_TABLE, current, head

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def doc(entity: str, object_id: str, token: int, seconds: int, **extra: object) -> Document:
    stamp = (T0 + timedelta(seconds=seconds)).isoformat()
    data = {"Id": object_id, "SyncToken": str(token), "MetaData": {"LastUpdatedTime": stamp}}
    return Document(entity, {**data, **extra})


def test_the_migrations_build_exactly_the_declared_tables_and_views(mirror: Mirror) -> None:
    with mirror.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"version_table": VERSION_TABLE})
        assert compare_metadata(context, t.metadata) == []
        inspector = inspect(conn)
        built = {
            name: tuple(c["name"] for c in inspector.get_columns(name))
            for name in inspector.get_view_names()
        }
    assert built == {name: columns for name, (_entity, columns) in views.declared().items()}
    assert current(mirror.engine) == head()


def test_an_older_mirror_is_upgraded_and_a_newer_one_refused(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    Mirror.open(url).close()
    engine = create_engine(url)
    with engine.begin() as conn:  # as a future qbo would leave it
        conn.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(MirrorVersionError, match="newer than this qbo knows"):
        Mirror.open(url)
    fresh = f"sqlite:///{tmp_path / 'new.db'}"
    engine = create_engine(fresh)
    assert current(engine) is None
    Mirror.open(fresh).close()
    assert current(engine) == head()
    engine.dispose()


def test_unusable_urls_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(MirrorError, match="not a database URL"):
        Mirror.open("nonsense")
    with pytest.raises(MirrorError, match="SQLite file or a PostgreSQL"):
        Mirror.open("mysql://127.0.0.1/x")
    with pytest.raises(MirrorError, match="cannot open the mirror") as caught:
        Mirror.open("postgresql+psycopg://someone:s3cret@127.0.0.1:1/nowhere")
    assert "s3cret" not in str(caught.value)
    with pytest.raises(MirrorError, match="not a schema name"):
        Mirror.open("postgresql+psycopg://postgres@127.0.0.1:1/x", schema="bad;name")


versions = st.builds(
    Version,
    st.one_of(st.none(), st.integers(0, 5)),
    st.one_of(st.none(), st.integers(0, 5)),
    st.booleans(),
)


@settings(max_examples=200)
@given(versions, versions)
def test_supersedes_is_a_strict_order(a: Version, b: Version) -> None:
    assert not (supersedes(a, b) and supersedes(b, a))
    assert not supersedes(a, a)
    assert supersedes(a, None)


def test_apply_keeps_the_newest_version_whatever_the_order(mirror: Mirror) -> None:
    older, newer = doc("Invoice", "7", 1, 10, Memo="a"), doc("Invoice", "7", 2, 20, Memo="b")
    deletion = Gone("Invoice", "7", T0 + timedelta(seconds=30))
    recreated = doc("Invoice", "7", 0, 40, Memo="again")
    with mirror.transaction() as conn:
        first = mirror.apply(conn, "r1", [newer])
        stale = mirror.apply(conn, "r1", [older, newer])  # late and duplicate copies
        gone = mirror.apply(conn, "r1", [deletion, older])  # a stale copy after the delete
        back = mirror.apply(conn, "r1", [recreated])  # the Id made again, later
    assert (first["created"], sum(stale.values()), gone["deleted"], back["created"]) == (
        1,
        0,
        1,
        1,
    )
    feed = ChangeFeed(mirror, "test")
    assert [(e.kind, e.sync_token) for e in feed.pending()] == [
        ("created", 2),
        ("deleted", None),
        ("created", 0),
    ]


def test_the_feed_delivers_at_least_once_and_remembers_its_position(mirror: Mirror) -> None:
    with mirror.transaction() as conn:
        mirror.apply(conn, "r1", [doc("Customer", str(i), 0, i) for i in range(1, 6)])
    feed = ChangeFeed(mirror, "mailer")
    seen: list[str] = []

    def crash_on_third(event: ChangeEvent) -> None:
        seen.append(event.object_id)
        if len(seen) == 3:
            raise RuntimeError("the process died here")

    def record(event: ChangeEvent) -> None:
        seen.append(event.object_id)

    with pytest.raises(RuntimeError):
        feed.run(crash_on_third)
    assert feed.position() == 2  # the third was not acknowledged
    again = ChangeFeed(mirror, "mailer")  # a restarted process
    assert again.run(record) == 3  # the third again (at least once), then 4 and 5
    assert seen == ["1", "2", "3", "3", "4", "5"]
    assert again.run(record) == 0 and again.position() == 5
    first = ChangeFeed(mirror, "reader").pending(1)[0]
    assert ChangeFeed(mirror, "reader").document(first) == doc("Customer", "1", 0, 1).data
    other = ChangeFeed(mirror, "audit")  # consumers are independent
    assert len(other.pending()) == 5
