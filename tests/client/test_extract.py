"""``client.extract()``: every row through batched query pages, inactive names included."""

from __future__ import annotations

import httpx
import pytest

from qbo.client import Client, ExtractPage, ServiceError
from qbo.schema.models import Customer
from tests.client.conftest import Stack
from tests.client.helpers import seed_customers

pytestmark = pytest.mark.anyio


async def test_every_row_in_id_order_in_few_requests(stack: Stack) -> None:
    seed_customers(stack.emulator, stack.realm, 2500)
    qb, sent = stack.recording_client()
    inactive = await qb.customers.create(Customer(DisplayName="Gone Quiet"))
    await qb.customers.deactivate(inactive)
    sent.clear()

    pages = [p async for p in qb.extract(["Customer", "Invoice", "Item"])]

    customers = [row for p in pages if p.entity == "Customer" for row in p.rows]
    ids = [int(row["Id"]) for row in customers]
    assert len(ids) == 2501 and ids == sorted(ids)  # ORDERBY Id, nothing twice
    assert any(row["Id"] == inactive.Id and row["Active"] is False for row in customers)
    assert [p.done for p in pages if p.entity == "Customer"] == [False, False, True]
    assert [p.entity for p in pages if p.done] == ["Customer", "Invoice", "Item"]
    # one batch of counts, one batch holding all five pages
    assert [r.url.path.rsplit("/", 1)[-1] for r in sent] == ["batch", "batch"]
    queries = [
        item["Query"]
        for item in httpx.Response(200, content=sent[1].content).json()["BatchItemRequest"]
    ]
    assert (
        "WHERE Active IN (true, false) ORDERBY Id STARTPOSITION 1001 MAXRESULTS 1000" in queries[1]
    )
    assert isinstance(pages[0].models()[0], Customer)


async def test_an_extract_resumes_where_it_stopped(stack: Stack) -> None:
    seed_customers(stack.emulator, stack.realm, 30)
    qb = stack.client()
    pages = [p async for p in qb.extract(["Customer"], start={"Customer": 21}, page_size=7)]
    assert [(p.start, len(p.rows), p.done) for p in pages] == [(21, 7, False), (28, 3, True)]
    assert pages[0].rows[0]["DisplayName"] == "Bulk 00020"


async def test_a_failing_request_is_raised_after_the_clients_retries(stack: Stack) -> None:
    seed_customers(stack.emulator, stack.realm, 3)
    qb = stack.client()
    await stack.add_fault(kind="status", status=503, count=100)
    with pytest.raises(ServiceError):
        [p async for p in qb.extract(["Customer"])]


def test_the_sync_client_extracts_too(sync_qb: Client) -> None:
    sync_qb.customers.create(Customer(DisplayName="Only One"))
    pages: list[ExtractPage] = list(sync_qb.extract(["Customer"]))
    assert [len(p.rows) for p in pages] == [1] and pages[0].done


def test_bad_arguments_are_refused_before_any_request(sync_qb: Client) -> None:
    with pytest.raises(ValueError, match="page_size"):
        list(sync_qb.extract(["Customer"], page_size=1001))
    with pytest.raises(ValueError, match="unknown QBO entity 'Nothing'"):
        list(sync_qb.extract(["Nothing"]))
