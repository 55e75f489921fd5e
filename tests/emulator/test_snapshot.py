"""Snapshots of a company: restore gives back exactly the seeded rows; resets use them."""

from __future__ import annotations

from qbo.emulator import Emulator, EmulatorConfig
from qbo.emulator.domain import crud
from qbo.emulator.store import snapshot as snapshot_rows
from qbo.schema import catalogue


def _rows(emulator: Emulator, realm_id: str) -> dict[str, list[dict[str, object]]]:
    taken = emulator.realms.snapshot(realm_id)
    return {name: sorted(rows, key=repr) for name, rows in taken.rows.items()}


def _create_customer(emulator: Emulator, realm_id: str, name: str) -> str:
    realm = emulator.realms.get(realm_id)
    assert realm is not None
    with emulator.realms.session(realm, write=True) as s:
        created = crud.create(s, catalogue().entity("Customer"), {"DisplayName": name})
    return str(created["Id"])


def test_restore_gives_back_every_row_of_the_snapshot() -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo"))
    realm_id = emulator.realms.list()[0].realm_id
    before = emulator.realms.snapshot(realm_id)
    assert before.size > 500  # a year of books, its ledger and change log
    made = _create_customer(emulator, realm_id, "Snapshot Gardens")
    assert _rows(emulator, realm_id) != {k: sorted(v, key=repr) for k, v in before.rows.items()}
    emulator.realms.restore(before)
    assert _rows(emulator, realm_id) == {k: sorted(v, key=repr) for k, v in before.rows.items()}
    again = _create_customer(emulator, realm_id, "Snapshot Gardens")
    assert again == made  # the number sequences came back too
    emulator.close()


def test_the_second_reset_restores_what_the_first_seeded() -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo"))
    realm_id = emulator.realms.list()[0].realm_id
    emulator.realms.reset(realm_id)  # reseeds, keeps a snapshot of the result
    seeded = _rows(emulator, realm_id)
    _create_customer(emulator, realm_id, "Gone After Reset")
    emulator.realms.reset(realm_id)
    assert _rows(emulator, realm_id) == seeded
    emulator.close()


def test_other_realms_are_untouched() -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    first = emulator.realms.list()[0].realm_id
    other = emulator.realms.create("empty").realm_id
    kept = emulator.realms.snapshot(first)
    _create_customer(emulator, other, "Other Realm Co")
    others_rows = _rows(emulator, other)
    emulator.realms.restore(kept)
    assert _rows(emulator, other) == others_rows
    assert snapshot_rows.RealmSnapshot(first, {}).size == 0
    emulator.close()
