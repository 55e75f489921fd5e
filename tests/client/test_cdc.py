"""Change data capture: the 30-day check, capped windows continued, tombstones typed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from qbo.client import CDCWindowError, Deleted, UnsupportedOperationError
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.schema.models import Customer, Vendor
from tests.client.conftest import Stack
from tests.client.helpers import invoice, seed_customers, seed_names, service_item

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def cdc_emulator() -> Iterator[Emulator]:
    """A private emulator: these tests move its clock."""
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
    yield emulator
    emulator.close()


@pytest.fixture
async def cdc_stack(cdc_emulator: Emulator) -> AsyncIterator[Stack]:
    realm = cdc_emulator.realms.create("empty")
    stack = Stack(cdc_emulator, create_app(cdc_emulator), realm.realm_id)
    yield stack
    for client in stack.opened:
        await client.aclose()
    for http in stack.http_clients:
        await http.aclose()


async def test_a_capped_window_is_continued_until_complete(cdc_stack: Stack) -> None:
    emulator = cdc_stack.emulator
    since = emulator.clock.now() - timedelta(seconds=30)
    seed_customers(emulator, cdc_stack.realm, 700, prefix="Early")
    emulator.clock.advance(5)
    seed_customers(emulator, cdc_stack.realm, 500, prefix="Late")
    qb, sent = cdc_stack.recording_client()
    customer = await qb.customers.create(Customer(DisplayName="Changes Twice"))
    item = await service_item(qb)
    doomed = await invoice(qb, customer, item, [(1, "5.00")])
    await qb.invoices.delete(doomed)
    emulator.clock.advance(2)
    renamed = await qb.customers.sparse_update(customer.Id or "", "0", Notes="second version")
    sent.clear()

    result = await qb.cdc(["Customer", "Invoice", "Item"], since)

    customers = result.of("Customer")
    assert len(customers) == 1201  # 700 + 500 seeded + 1, none lost, none twice
    assert all(isinstance(c, Customer) for c in customers)
    assert result.deleted == [Deleted("Invoice", doomed.Id or "", result.deleted[0].last_updated)]
    assert result.deleted[0].last_updated is not None
    assert result.deleted[0].last_updated.utcoffset() is not None
    newest = [c for c in customers if isinstance(c, Customer) and c.Id == customer.Id]
    assert newest == [renamed]  # the latest version of a twice-changed object
    assert len(result.of("Item")) == 1
    assert result.requests == len(sent) == 2  # the first response hit the 1000 cap
    cursors = [datetime.fromisoformat(r.url.params["changedSince"]) for r in sent]
    assert cursors[1] > cursors[0]


@pytest.mark.slow
async def test_a_window_stuck_on_one_instant_is_split_by_entity(cdc_stack: Stack) -> None:
    emulator = cdc_stack.emulator
    since = emulator.clock.now() - timedelta(seconds=30)
    # One transaction: 1200 objects with one LastUpdatedTime, more than one response holds.
    seed_names(emulator, cdc_stack.realm, {"Customer": 600, "Vendor": 600})
    qb, sent = cdc_stack.recording_client()
    result = await qb.cdc([Customer, Vendor], since)
    assert len(result.of("Customer")) == 600 and len(result.of("Vendor")) == 600
    # Capped: continue from the newest time; capped again with no progress: split by entity.
    assert [r.url.params["entities"] for r in sent] == [
        "Customer,Vendor",
        "Customer,Vendor",
        "Vendor",
        "Customer",
    ]

    emulator.clock.advance(5)
    later = emulator.clock.now() - timedelta(seconds=1)
    seed_customers(emulator, cdc_stack.realm, 1100, prefix="More")  # 1100 share one second
    with pytest.raises(CDCWindowError):
        await qb.cdc(["Customer"], later)


async def test_the_30_day_limit_is_checked_before_any_io(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    with pytest.raises(CDCWindowError):
        await qb.cdc(["Customer"], datetime.now(UTC) - timedelta(days=31))
    with pytest.raises(ValueError):
        await qb.cdc(["Customer"], datetime(2026, 1, 1))  # naive: ambiguous
    with pytest.raises(UnsupportedOperationError):
        await qb.cdc(["TimeActivity"], datetime.now(UTC))
    assert sent == []
    fresh = await qb.cdc(["Customer"], datetime.now(UTC) - timedelta(days=29))
    assert len(fresh) == 0 and fresh.requests == 1
