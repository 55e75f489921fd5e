"""The sync client (generated from the async one) over a real socket, and API parity."""

from __future__ import annotations

import inspect
import threading
from decimal import Decimal

import httpx
import pytest

from qbo.client import (
    AsyncClient,
    Client,
    Deleted,
    DuplicateNameError,
    ObjectNotFoundError,
    RetryEvent,
    RetryPolicy,
)
from qbo.client._async import resources as async_resources
from qbo.client._naming import attribute_name
from qbo.client._sync import resources as sync_resources
from qbo.client.environment import emulator as emulator_environment
from qbo.emulator import Emulator
from qbo.query import col, select
from qbo.schema import catalogue
from qbo.schema.models import Customer, Invoice, Item
from tests.client.helpers import ref, sales_line


def test_sync_crud_query_and_errors(sync_qb: Client) -> None:
    created = sync_qb.customers.create(Customer(DisplayName="Sync Customer"))
    assert sync_qb.customers.get(created.Id or "") == created
    updated = sync_qb.customers.sparse_update(created.Id or "", "0", Notes="sync")
    assert updated.Notes == "sync"
    with pytest.raises(DuplicateNameError):
        sync_qb.customers.create(Customer(DisplayName="Sync Customer"))
    with pytest.raises(ObjectNotFoundError):
        sync_qb.customers.get("987654")
    income = sync_qb.accounts.first(col("AccountType") == "Income")
    assert income is not None
    item = sync_qb.items.create(
        Item(Name="Sync Item", Type="Service", IncomeAccountRef=ref(income.Id))
    )
    inv = sync_qb.invoices.create(
        Invoice(CustomerRef=ref(created.Id), Line=[sales_line(item, 2, "12.50")])
    )
    assert inv.TotalAmt == Decimal("25.00")
    assert sync_qb.invoices.pdf(inv.Id or "").startswith(b"%PDF")
    assert sync_qb.invoices.delete(inv) == Deleted("Invoice", inv.Id or "")
    assert [c.DisplayName for c in sync_qb.customers.iter()] == ["Sync Customer"]
    assert sync_qb.query(select("Customer").count()).total_count == 1
    batch = sync_qb.batch()
    bid = batch.create(Customer(DisplayName="Batched Sync"))
    assert batch.execute()[bid].ok
    assert sync_qb.company_info().CompanyName


def test_sync_chaos_over_a_socket_with_threads(emu: Emulator, socket_url: str) -> None:
    """Resets over a real socket are TCP resets; with 503s and 429s, 120 creates from four
    threads end as exactly 120 customers."""
    realm = emu.realms.create("empty").realm_id
    with httpx.Client(base_url=socket_url) as control:
        for rule in (
            {"kind": "reset", "when": "after_commit", "probability": 0.1, "seed": 11},
            {
                "kind": "status",
                "status": 503,
                "when": "after_commit",
                "probability": 0.1,
                "seed": 12,
            },
            {"kind": "status", "status": 429, "probability": 0.1, "seed": 13},
        ):
            response = control.post("/_emulator/faults", json={"realm": realm, **rule})
            assert response.status_code == 201, response.text
    retries: list[RetryEvent] = []
    errors: list[BaseException] = []
    qb = Client(
        realm,
        environment=emulator_environment(socket_url),
        pacing=None,
        on_retry=retries.append,
        retry=RetryPolicy(
            max_attempts=12, backoff_base=0.001, backoff_max=0.01, throttle_wait=0.005
        ),
    )

    def worker(offset: int) -> None:
        try:
            for n in range(offset, 120, 4):
                qb.customers.create(Customer(DisplayName=f"Threaded {n:03d}"))
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    with qb:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        names = sorted(c.DisplayName or "" for c in qb.customers.iter())
    assert names == [f"Threaded {n:03d}" for n in range(120)]
    assert retries, "faults were injected and retried"
    with httpx.Client(base_url=socket_url) as control:
        for fault in control.get("/_emulator/faults").json():
            if fault["realm"] == realm:
                control.delete(f"/_emulator/faults/{fault['id']}")


@pytest.mark.anyio
async def test_async_client_over_a_real_socket(emu: Emulator, socket_url: str) -> None:
    realm = emu.realms.create("empty").realm_id
    async with AsyncClient(realm, environment=socket_url, pacing=None) as qb:
        created = await qb.customers.create(Customer(DisplayName="Over TCP"))
        assert [c.Id async for c in qb.customers.iter()] == [created.Id]


def _public(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, callable)
        if not name.startswith("_") or name == "__call__"
    }


def test_sync_and_async_expose_the_same_api() -> None:
    assert set(_public(AsyncClient)) - {"aclose"} == set(_public(Client)) - {"close"}
    pairs = [
        (getattr(async_resources, name), getattr(sync_resources, name.removeprefix("Async")))
        for name in dir(async_resources)
        if name.startswith("Async") and name.endswith("Ops")
    ]
    assert len(pairs) >= 14
    for async_cls, sync_cls in pairs:
        assert _public(async_cls).keys() == _public(sync_cls).keys(), async_cls
        for name, signature in _public(async_cls).items():
            assert list(signature.parameters) == list(_public(sync_cls)[name].parameters)
    names = {attribute_name(entity) for entity in catalogue().entities}
    assert names <= set(dir(Client)) and names <= set(dir(AsyncClient))
    assert {"customers", "journal_entries", "credit_card_payments", "company_info"} <= names
