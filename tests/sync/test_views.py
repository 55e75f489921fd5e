"""The per-entity views (migration 0003): plain SQL per entity on SQLite and PostgreSQL,
and an upgrade from 0002 of a mirror that already holds rows."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

from qbo.sync import Document, Gone, Mirror, views
from qbo.sync.schema_version import MIGRATIONS, current, head
from tests.conftest import PG_URL
from tests.sync.test_mirror import T0, doc


@pytest.fixture(params=["sqlite", "postgres"])
def place(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str | None]]:
    """An empty database for a mirror: (URL, PostgreSQL schema or None)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'mirror.db'}", None
        return
    schema = f"{request.getfixturevalue('pg_schema')}_v{secrets.token_hex(3)}"
    yield PG_URL, schema
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def engine_at(url: str, schema: str | None, revision: str) -> Engine:
    """A database migrated to ``revision`` only, as an older qbo left it."""
    if schema is None:
        engine = sqlalchemy.create_engine(url)
    else:
        engine = sqlalchemy.create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
        with engine.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return engine


def invoice(object_id: str, total: str, customer: str) -> Document:
    data = doc("Invoice", object_id, 1, 10).data | {
        "DocNumber": f"INV-{object_id}",
        "TxnDate": "2026-03-01",
        "DueDate": "2026-03-31",
        "TotalAmt": Decimal(total),
        "Balance": Decimal(total),
        "CustomerRef": {"value": customer},
        "CurrencyRef": {"value": "USD"},
    }
    return Document("Invoice", data)


def test_an_upgrade_from_0002_keeps_the_rows_and_shows_them_per_entity(
    place: tuple[str, str | None],
) -> None:
    url, schema = place
    old = engine_at(url, schema, "0002")
    older = Mirror(old, schema)
    with older.transaction() as conn:
        older.apply(conn, "r1", [invoice("1", "120.50", "7"), invoice("2", "80", "8")])
        older.apply(conn, "r1", [doc("Customer", "7", 0, 5, DisplayName="Ada", Active=True)])
        older.apply(conn, "r1", [Gone("Invoice", "2", T0.replace(hour=13))])
    assert current(old) == "0002"
    old.dispose()

    with Mirror.open(url, schema=schema) as mirror:
        assert current(mirror.engine) == head()
        with mirror.transaction() as conn:
            rows = conn.execute(
                text(
                    "SELECT id, doc_number, txn_date, total_amt, customer_ref, deleted, deleted_at"
                    " FROM qbo_invoice WHERE realm_id = 'r1' ORDER BY id"
                )
            ).all()
            live = conn.execute(
                text(
                    "SELECT c.name, sum(i.total_amt) FROM qbo_invoice i"
                    " JOIN qbo_customer c ON c.realm_id = i.realm_id AND c.id = i.customer_ref"
                    " WHERE NOT i.deleted GROUP BY c.name"
                )
            ).all()
    # plain SQL answers the database's own types: SQLite has text dates, 0/1, floats
    first, second = rows
    assert (first.id, first.doc_number, str(first.txn_date)) == ("1", "INV-1", "2026-03-01")
    assert Decimal(str(first.total_amt)) == Decimal("120.5") and first.customer_ref == "7"
    assert not first.deleted and first.deleted_at is None
    assert second.id == "2" and second.deleted and second.deleted_at is not None
    [(name, total)] = live
    assert name == "Ada" and Decimal(str(total)) == Decimal("120.5")


def test_every_view_answers_plain_sql_with_its_own_entity_only(
    place: tuple[str, str | None],
) -> None:
    url, schema = place
    declared = views.declared()
    with Mirror.open(url, schema=schema) as mirror:
        with mirror.transaction() as conn:
            for number, (entity, _columns) in enumerate(sorted(declared.values()), start=1):
                mirror.apply(conn, "rv", [doc(entity, str(number), 0, number)])
        with mirror.transaction() as conn:
            for name, (entity, columns) in declared.items():
                result = conn.execute(text(f"SELECT * FROM {name} WHERE realm_id = 'rv'"))
                assert tuple(result.keys()) == columns, name
                [row] = result.all()
                assert row.sync_token == 0 and not row.deleted, name
                assert f'"Id":"{row.id}"' in row.document.replace(" ", ""), (name, entity)
