"""``client.extract()``: every row through batched query pages, inactive names included."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import httpx
import pytest

from qbo.client import Client, ExtractPage, ServiceError
from qbo.client._async.extract import AHEAD
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


async def test_the_next_batch_is_in_flight_while_pages_are_read(stack: Stack) -> None:
    """The caller's work on one response overlaps QBO's time on the next request."""
    seed_customers(stack.emulator, stack.realm, 100)
    in_flight = peak = 0

    def sent(_event: object) -> None:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)

    def answered(_event: object) -> None:
        nonlocal in_flight
        in_flight -= 1

    qb = stack.client(on_request=sent, on_response=answered)
    pages = [p async for p in qb.extract(["Customer"], page_size=1)]  # 100 pages: 4 batches

    assert peak == AHEAD  # never more, and the next ones are asked for before a page is read
    assert [int(row["Id"]) for p in pages for row in p.rows] == sorted(
        int(c.Id) for c in await qb.query("SELECT * FROM Customer MAXRESULTS 1000")
    )
    # the last planned page came back full, so one more is read: empty, and the end
    assert [p.start for p in pages] == list(range(1, 102))
    assert len(pages[-1]) == 0 and pages[-1].done


async def test_a_caller_that_stops_early_leaves_nothing_in_flight(stack: Stack) -> None:
    seed_customers(stack.emulator, stack.realm, 100)
    qb = stack.client()
    pages = qb.extract(["Customer"], page_size=1)
    async for _ in pages:
        break
    await pages.aclose()  # cancels the batch started ahead
    assert [t for t in asyncio.all_tasks() if "pages" in repr(t.get_coro())] == []


def test_rows_are_the_json_text_qbo_sent() -> None:
    page = ExtractPage("Customer", 1, [b'{"Id": "7", "Balance": 10.50}'])
    assert page.rows == [{"Id": "7", "Balance": Decimal("10.50")}]
    assert len(page) == 1 and page.next_start == 2
