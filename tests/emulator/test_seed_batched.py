"""Seeding with held writes leaves exactly what the per-object path leaves.

A ``large:N`` company is seeded inside the ledger's bulk block, whose rows are written
many per statement (``Session.held_writes``), its sequences advanced in memory and its
name lookups answered from column indexes. The same company is then built object by
object with no bulk block at all (every row written, every lookup queried, every balance
rewritten at once, as API creates do), at the same instant, and every row of every realm
table is compared, as are the reports. On SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import delete, select

from qbo.emulator import Emulator
from qbo.emulator.ledger.bulk import bulk
from qbo.emulator.reports import run_report
from qbo.emulator.seeds.empty import create, seed_empty
from qbo.emulator.seeds.large import seed_large
from qbo.emulator.store.session import Realm, Session
from qbo.schema.faults import Fault

N = 200


def _rows(emulator: Emulator, realm_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the realm's tables without its realm id (and the change log's global
    seq, kept only as the rows' order)."""
    found: dict[str, list[tuple[Any, ...]]] = {}
    with emulator.store.read() as conn:
        for table in emulator.realms.realm_tables():
            columns = [c for c in table.c if c.name not in ("realm_id", "seq")]
            if table.name == "ledger_entries":
                columns.append(table.c.seq)  # a posting's place in its transaction
            order = [table.c.seq] if table.name == "changes" else list(table.primary_key)
            query = select(*columns).where(table.c.realm_id == realm_id).order_by(*order)
            found[table.name] = [tuple(r) for r in conn.execute(query)]
    return found


def _reports(emulator: Emulator, realm: Realm) -> dict[str, Any]:
    with emulator.realms.session(realm, write=False) as s:
        answers = {
            "BalanceSheet": run_report(s, "BalanceSheet", {"end_date": "2026-12-31"}),
            "AgedReceivables": run_report(s, "AgedReceivables", {"report_date": "2026-12-31"}),
            "ProfitAndLoss": run_report(
                s, "ProfitAndLoss", {"start_date": "2025-01-01", "end_date": "2026-12-31"}
            ),
        }
    for answer in answers.values():
        answer["Header"].pop("Time")
    return answers


def _per_object(emulator: Emulator, like: Realm, now: datetime) -> Realm:
    """A second realm seeded object by object: no bulk block, nothing held back."""
    made = emulator.realms.create("empty", company_name=like.company_name)
    realm = Realm(
        made.realm_id, like.company_name, like.country, like.currency, like.timezone, like.seed
    )
    with emulator.store.write(realm.realm_id) as conn:
        for table in emulator.realms.realm_tables():
            conn.execute(delete(table).where(table.c.realm_id == realm.realm_id))
        s = Session(emulator.store, conn, realm, now)
        seed_empty(s)
        seed_large(s, N)
    return realm


def test_large_seed_matches_the_per_object_path(emulator: Emulator) -> None:
    seeded = emulator.realms.create(f"large:{N}")
    realms = emulator.store.tables.realms
    with emulator.store.read() as conn:
        created_ms = conn.execute(
            select(realms.c.created_ms).where(realms.c.realm_id == seeded.realm_id)
        ).scalar_one()
    now = datetime.fromtimestamp(created_ms / 1000, UTC)
    plain = _per_object(emulator, seeded, now)

    held_rows, plain_rows = _rows(emulator, seeded.realm_id), _rows(emulator, plain.realm_id)
    assert len(held_rows["ent_customer"]) == N // 2
    assert len(held_rows["ent_invoice"]) == N - N // 2
    assert len(held_rows["ledger_entries"]) == 2 * (N - N // 2)
    assert len(held_rows["changes"]) > N
    assert held_rows["sequences"], "the sequences were written"
    for table, rows in plain_rows.items():
        assert held_rows[table] == rows, table
    held_reports = _reports(emulator, seeded)
    assert held_reports == _reports(emulator, plain)
    assert "AgedReceivables" in str(held_reports["AgedReceivables"]["Header"])


def test_held_lookups_see_rows_not_yet_written(emulator: Emulator) -> None:
    """Inside the bulk block a duplicate name or DocNumber is refused as on the API path,
    though the first object's row is still held back."""
    realm = emulator.realms.create("empty")
    with emulator.realms.session(realm, write=True) as s, bulk(s):
        first = create(s, "Customer", {"DisplayName": "Held Back Ltd"})
        with pytest.raises(Fault, match="Duplicate"):
            create(s, "Vendor", {"DisplayName": "held back ltd"})
        invoice = {
            "CustomerRef": {"value": first["Id"]},
            "DocNumber": "A-1",
            "Line": [{"DetailType": "SalesItemLineDetail", "Amount": "5"}],
        }
        create(s, "Invoice", invoice)
        with pytest.raises(Fault, match="Duplicate Document Number"):
            create(s, "Invoice", invoice)
        automatic = create(s, "Invoice", {k: v for k, v in invoice.items() if k != "DocNumber"})
        assert automatic["DocNumber"] == "1001"
        assert s.find("Customer", "DisplayName", "HELD BACK LTD")[0]["Id"] == first["Id"]
