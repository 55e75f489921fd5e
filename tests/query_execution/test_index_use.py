"""Selective filters on indexed properties are answered from an index, not a full scan.

The statements are the ones the endpoint runs (:func:`qbo.emulator.querying.compile_query`):
on SQLite, ``EXPLAIN QUERY PLAN`` must show a SEARCH with the property's
``(realm_id, column, id)`` index; on PostgreSQL (sequential scans priced out with
``enable_seqscan = off``, as a big table would), ``EXPLAIN`` must name that index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection
from sqlalchemy.sql.selectable import Select

from qbo.emulator import Emulator
from qbo.emulator.querying import compile_query
from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Realm, Session
from qbo.query import parse_and_validate
from tests.query_execution.conftest import own_emulator


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def index_emulator(request: pytest.FixtureRequest) -> Iterator[Emulator]:
    """An emulator holding only the big realm.

    PostgreSQL's plan follows the table's statistics, which cover every realm in it: on an
    emulator shared with other tests, the realms they happened to make first (which depends
    on the test order and, under pytest-xdist, on the worker) could make ``realm_id`` alone
    look selective enough to pick a different index.
    """
    with own_emulator(request.param) as emu:
        yield emu


@pytest.fixture(scope="module")
def big_realm(index_emulator: Emulator) -> Iterator[Realm]:
    """200 customers with one invoice each, made in one transaction."""
    realm = index_emulator.realms.create("empty")
    with index_emulator.realms.session(realm, write=True) as s:
        accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
        item = create(
            s,
            "Item",
            {
                "Name": "Work",
                "Type": "Service",
                "IncomeAccountRef": {"value": accounts["Services"]},
            },
        )
        for n in range(200):
            customer = create(s, "Customer", {"DisplayName": f"Acme {n:04d}"})
            line = {
                "DetailType": "SalesItemLineDetail",
                "Amount": n + 1,
                "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
            }
            create(
                s,
                "Invoice",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "TxnDate": f"2025-{n % 12 + 1:02d}-{n % 28 + 1:02d}",
                    "DocNumber": f"D{n}",
                    "Line": [line],
                },
            )
    if index_emulator.store.engine.dialect.name == "postgresql":
        # What autovacuum does on a live server: without statistics the planner takes any
        # index that has realm_id first. SQLite keeps none unless asked, and needs none.
        with index_emulator.store.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE ent_customer")
            conn.exec_driver_sql("ANALYZE ent_invoice")
    yield realm


def explain(conn: Connection, stmt: Select[Any]) -> str:
    """The database's plan for a compiled statement, with its bound parameters."""
    compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
    params = compiled.construct_params()
    if conn.dialect.name == "sqlite":
        assert compiled.positiontup is not None
        args = tuple(params[name] for name in compiled.positiontup)
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + str(compiled), args).all()
        return "\n".join(str(row[-1]) for row in rows)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    rows = conn.exec_driver_sql("EXPLAIN " + str(compiled), params).all()
    return "\n".join(str(row[0]) for row in rows)


CASES = [
    ("SELECT * FROM Customer WHERE DisplayName = 'Acme 0042'", "ix_ent_customer_displayname"),
    ("SELECT * FROM Customer WHERE DisplayName LIKE 'acme 01%'", "ix_ent_customer_displayname"),
    ("SELECT * FROM Invoice WHERE CustomerRef = '17'", "ix_ent_invoice_customerref"),
    (
        "SELECT * FROM Invoice WHERE TxnDate >= '2025-03-01' AND TxnDate <= '2025-03-09'",
        "ix_ent_invoice_txndate",
    ),
    ("SELECT * FROM Invoice WHERE DocNumber = 'D42'", "ix_ent_invoice_docnumber"),
    (
        "SELECT count(*) FROM Invoice WHERE TxnDate >= '2025-03-01' AND TxnDate < '2025-04-01'",
        "ix_ent_invoice_txndate",
    ),
    (
        "SELECT count(*) FROM Customer WHERE DisplayName LIKE 'Acme 01%'",
        "ix_ent_customer_displayname",
    ),
]


@pytest.mark.parametrize(("text", "index"), CASES)
def test_selective_filters_use_their_index(
    index_emulator: Emulator, big_realm: Realm, text: str, index: str
) -> None:
    validated = parse_and_validate(text)
    with index_emulator.realms.session(big_realm, write=False) as s:
        compiled = compile_query(s, validated)
        stmt = compiled.count if compiled.count is not None else compiled.ids
        assert stmt is not None
        plan = explain(s.conn, stmt)
        assert index in plan, plan
        table = "ent_" + validated.entity_name.lower()
        if s.conn.dialect.name == "sqlite":
            assert f"SCAN {table}" not in plan, plan  # SCAN is a full scan; SEARCH is not
        else:
            assert f"Seq Scan on {table}" not in plan, plan


def test_a_read_by_id_and_the_page_documents_use_the_primary_key(
    index_emulator: Emulator, big_realm: Realm
) -> None:
    with index_emulator.realms.session(big_realm, write=False) as s:
        compiled = compile_query(s, parse_and_validate("SELECT * FROM Customer WHERE Id = '42'"))
        assert compiled.ids is not None and compiled.page is not None
        for stmt in (compiled.ids, compiled.page):
            plan = explain(s.conn, stmt)
            key = "sqlite_autoindex_ent_customer_1" if _sqlite(s) else "pk_ent_customer"
            assert key in plan, plan
            assert "SCAN ent_customer" not in plan and "Seq Scan" not in plan, plan


def _sqlite(s: Session) -> bool:
    return s.conn.dialect.name == "sqlite"
