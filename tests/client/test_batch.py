"""Batch: mixed items split 30 to a request, typed results by bId, faults returned."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.client import (
    AsyncClient,
    BatchResult,
    Deleted,
    DuplicateNameError,
    ObjectNotFoundError,
    QueryResult,
)
from qbo.query import col, select
from qbo.schema import jsoncodec
from qbo.schema.models import Customer, Invoice, Payment
from tests.client.conftest import Stack
from tests.client.helpers import invoice, ref, service_item

pytestmark = pytest.mark.anyio


async def test_a_batch_of_70_mixed_operations(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    customer = await qb.customers.create(Customer(DisplayName="Batch Customer"))
    item = await service_item(qb)
    to_delete = [await invoice(qb, customer, item, [(1, "10.00")]) for _ in range(5)]
    to_void = [await invoice(qb, customer, item, [(1, "20.00")]) for _ in range(5)]
    payment = await qb.payments.create(Payment(CustomerRef=ref(customer.Id), TotalAmt=Decimal(7)))
    to_update = [await qb.customers.create(Customer(DisplayName=f"Old {n}")) for n in range(10)]
    sent.clear()

    batch = qb.batch()
    creates = [batch.create(Customer(DisplayName=f"New {n:02d}")) for n in range(40)]
    updates = [
        batch.update(Customer(Id=c.Id, SyncToken=c.SyncToken, Notes="batched"), sparse=True)
        for c in to_update
    ]
    deletes = [batch.delete(inv) for inv in to_delete]
    voids = [batch.void(inv) for inv in to_void]
    void_payment = batch.void(payment)
    queries = [
        batch.query(select("Customer").where(col("DisplayName").like("Old%"))),
        batch.query("SELECT count(*) FROM Invoice"),
    ]
    batch.create({"DisplayName": "Batch Customer"}, entity="Customer", bid="dup")
    batch.update(
        Invoice(Id="999999", SyncToken="0", CustomerRef=ref(customer.Id), Line=[]), bid="gone"
    )
    while len(batch) < 70:
        queries.append(batch.query("SELECT * FROM Item"))
    assert len(batch) == 70

    result = await batch.execute()
    assert isinstance(result, BatchResult) and len(result) == 70
    assert [len(jsoncodec.loads(r.content)["BatchItemRequest"]) for r in sent] == [30, 30, 10]
    assert len({r.url.params["requestid"] for r in sent}) == 3

    made = [result[b].unwrap_as(Customer) for b in creates]
    assert all(c.Id for c in made)
    assert [c.DisplayName for c in made] == [f"New {n:02d}" for n in range(40)]
    assert all(result[b].unwrap_as(Customer).Notes == "batched" for b in updates)
    with pytest.raises(TypeError):
        result[creates[0]].unwrap_as(Invoice)
    assert [result[b].unwrap() for b in deletes] == [
        Deleted("Invoice", i.Id or "") for i in to_delete
    ]
    for b in voids:
        voided = result[b].unwrap()
        assert isinstance(voided, Invoice) and voided.TotalAmt == Decimal(0)
    assert result[void_payment].unwrap_as(Payment).TotalAmt == Decimal(0)
    old = result[queries[0]].unwrap()
    assert isinstance(old, QueryResult) and len(old) == 10
    counted = result[queries[1]].unwrap()
    # The emulator runs items in order: the five deletes came first (QBO promises no order).
    assert isinstance(counted, QueryResult) and counted.total_count == 5

    assert isinstance(result["dup"].error, DuplicateNameError)
    assert result["dup"].error.code == "6240"
    with pytest.raises(DuplicateNameError):
        result["dup"].unwrap()
    assert isinstance(result["gone"].error, ObjectNotFoundError)
    assert {r.bid for r in result.faults} == {"dup", "gone"}
    assert len(result.successes) == 68 and not result.ok

    # Executing again replays the same request ids: QBO answers from its log, nothing twice.
    again = await batch.execute()
    assert [again[b].unwrap_as(Customer).Id for b in creates] == [c.Id for c in made]
    assert await qb.customers.count("DisplayName LIKE 'New %'") == 40
    with pytest.raises(RuntimeError):
        batch.create(Customer(DisplayName="Too late"))


async def test_batch_builder_checks_before_sending(qb: AsyncClient) -> None:
    batch = qb.batch()
    with pytest.raises(ValueError):
        batch.create({"DisplayName": "no entity given"})
    with pytest.raises(ValueError):
        batch.create(Customer(DisplayName="x"), bid="b" * 41)
    batch.create(Customer(DisplayName="x"), bid="2f0a6e07-322a-4414-8417-5bd3979aad7d")  # a UUID
    batch.create(Customer(DisplayName="x"), bid="one")
    with pytest.raises(ValueError):
        batch.create(Customer(DisplayName="y"), bid="one")
    assert len(await qb.batch().execute()) == 0
