"""Retries, requestid and chaos: the client absorbs transient failures without duplicates."""

from __future__ import annotations

import random

import anyio
import pytest

from qbo.client import (
    RetryEvent,
    RetryPolicy,
    ServiceError,
    ValidationError,
)
from qbo.client._config import new_request_id
from qbo.client.errors import RateLimitError, TransportError
from qbo.query import col
from qbo.schema.models import Customer
from tests.client.conftest import Stack

pytestmark = pytest.mark.anyio


async def test_a_503_after_commit_is_retried_with_the_same_requestid(stack: Stack) -> None:
    await stack.add_fault(
        kind="status", status=503, when="after_commit", count=2, match={"method": "POST"}
    )
    retries: list[RetryEvent] = []
    qb, sent = stack.recording_client(on_retry=retries.append)
    created = await qb.customers.create(Customer(DisplayName="Committed Once"))
    assert created.DisplayName == "Committed Once"
    ids = [r.url.params["requestid"] for r in sent]
    assert len(ids) == 3 and len(set(ids)) == 1 and len(ids[0]) <= 36
    assert [r.attempt for r in retries] == [1, 2]
    assert all(isinstance(r.error, ServiceError) for r in retries)
    assert await qb.customers.count(col("DisplayName") == "Committed Once") == 1
    assert all(r.url.params["minorversion"] == "75" for r in sent)


async def test_a_caller_supplied_requestid_is_used_and_replayed(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    first = await qb.customers.create(Customer(DisplayName="Idempotent"), request_id="my-key-1")
    again = await qb.customers.create(Customer(DisplayName="Idempotent"), request_id="my-key-1")
    assert first == again  # QBO answered the repeat from its request log
    assert [r.url.params["requestid"] for r in sent] == ["my-key-1", "my-key-1"]
    with pytest.raises(ValueError):
        await qb.customers.create(Customer(DisplayName="Too Long"), request_id="x" * 37)


async def test_reads_carry_no_requestid(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    await qb.company_info()
    await qb.customers.query()
    assert all("requestid" not in r.url.params for r in sent)


async def test_validation_faults_are_never_retried(stack: Stack) -> None:
    qb, sent = stack.recording_client(retry=RetryPolicy(max_attempts=5, backoff_base=0.001))
    with pytest.raises(ValidationError):
        await qb.customers.create({"DisplayName": "X", "NotAField": True})
    assert len(sent) == 1


async def test_retry_after_is_honoured_up_to_the_cap(stack: Stack) -> None:
    await stack.add_fault(kind="status", status=429, retry_after=0.05, count=1)
    await stack.add_fault(kind="status", status=429, retry_after=30, count=1)
    retries: list[RetryEvent] = []
    qb = stack.client(
        on_retry=retries.append,
        retry=RetryPolicy(retry_after_cap=0.02, throttle_wait=0.5, backoff_base=0.001),
    )
    assert (await qb.company_info()).CompanyName
    assert [r.delay for r in retries] == [0.02, 0.02]  # both capped (0.05 and 30 > 0.02)

    await stack.add_fault(kind="status", status=429, count=1)  # no Retry-After: throttle_wait
    retries.clear()
    qb2 = stack.client(on_retry=retries.append, retry=RetryPolicy(throttle_wait=0.03))
    await qb2.company_info()
    assert [r.delay for r in retries] == [0.03]
    assert isinstance(retries[0].error, RateLimitError)


def test_backoff_is_full_jitter_and_seeded() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=4.0, seed=42)
    first = [policy.backoff(n, policy.rng()) for n in range(1, 8)]
    assert first == [policy.backoff(n, policy.rng()) for n in range(1, 8)]  # same seed
    rng = policy.rng()
    draws = [policy.backoff(n, rng) for n in range(1, 8)]
    ceilings = [min(4.0, 0.5 * 2 ** (n - 1)) for n in range(1, 8)]
    assert all(0 <= d <= c for d, c in zip(draws, ceilings, strict=True))
    expected = random.Random(42)
    assert draws == [expected.uniform(0, c) for c in ceilings]


def test_retry_decisions() -> None:
    policy = RetryPolicy(max_attempts=3, throttle_wait=60)
    rng = policy.rng()
    assert policy.delay(ServiceError("x", status_code=503), 1, rng) is not None
    assert policy.delay(ServiceError("x", status_code=503), 3, rng) is None  # attempts used up
    assert policy.delay(ServiceError("x", status_code=501), 1, rng) is None  # not transient
    assert policy.delay(TransportError("reset"), 1, rng) is not None
    assert policy.delay(RateLimitError("slow down", status_code=429), 1, rng) == 60
    assert policy.delay(RateLimitError("x", status_code=429, retry_after=5), 1, rng) == 5
    assert policy.delay(ServiceError("x", status_code=503, retry_after=7), 1, rng) == 7
    assert policy.delay(ValidationError("bad", status_code=400, code="2010"), 1, rng) is None


async def test_retries_give_up_with_the_last_error(stack: Stack) -> None:
    await stack.add_fault(kind="status", status=502)
    qb, sent = stack.recording_client(retry=RetryPolicy(max_attempts=3, backoff_base=0.001))
    with pytest.raises(ServiceError) as info:
        await qb.customers.create(Customer(DisplayName="Never"))
    assert info.value.status_code == 502 and len(sent) == 3


@pytest.mark.slow
async def test_chaos_1000_creates_exactly_1000_objects(stack: Stack) -> None:
    """503-after-commit, connection resets (before and after commit) and 429s, at random.

    Every create succeeds for the caller, and the company ends with exactly the 1000
    customers asked for: no duplicate from a retried create, no error surfaced.
    """
    for rule in (
        {"kind": "status", "status": 503, "when": "after_commit", "probability": 0.1, "seed": 1},
        {"kind": "reset", "when": "after_commit", "probability": 0.05, "seed": 2},
        {"kind": "reset", "probability": 0.03, "seed": 3},
        {"kind": "status", "status": 429, "probability": 0.05, "seed": 4},
        {"kind": "status", "status": 500, "probability": 0.02, "seed": 5},
    ):
        await stack.add_fault(match={"method": "POST", "path_prefix": "customer"}, **rule)
    retries: list[RetryEvent] = []
    qb = stack.client(
        on_retry=retries.append,
        retry=RetryPolicy(
            max_attempts=12, backoff_base=0.001, backoff_max=0.005, throttle_wait=0.002, seed=3
        ),
    )
    names = [f"Chaos {n:04d}" for n in range(1000)]
    created: dict[str, str] = {}

    async def worker(chunk: list[str]) -> None:
        for name in chunk:
            customer = await qb.customers.create(Customer(DisplayName=name))
            created[name] = customer.Id or ""

    async with anyio.create_task_group() as tg:
        for w in range(8):
            tg.start_soon(worker, names[w::8])

    assert len(created) == 1000 and len(set(created.values())) == 1000
    stored = await qb.customers.query(col("DisplayName").like("Chaos %"))
    assert sorted(c.DisplayName or "" for c in stored) == names
    fired = {f["id"]: f["fired"] for f in await stack.faults()}
    assert all(count > 0 for count in fired.values()), fired
    assert len(retries) == sum(fired.values())  # every injected failure was retried, once


async def test_request_ids_are_unique_hex() -> None:
    ids = {new_request_id() for _ in range(1000)}
    assert len(ids) == 1000 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)


async def test_a_write_given_up_after_commit_carries_its_requestid(stack: Stack) -> None:
    """The object exists although the client gave up: retrying with the error's id is safe."""
    policy = RetryPolicy(max_attempts=2, backoff_base=0.001)
    qb, sent = stack.recording_client(retry=policy)
    customer = Customer(DisplayName="Committed, Then 503")
    await stack.add_fault(
        kind="status", status=503, when="after_commit", count=2, match={"method": "POST"}
    )
    with pytest.raises(ServiceError) as info:
        await qb.customers.create(customer)
    error = info.value
    assert error.request_id is not None and error.request_id == sent[-1].url.params["requestid"]
    assert f"requestid={error.request_id}" in str(error)
    assert await qb.customers.count(col("DisplayName") == customer.DisplayName) == 1
    again = await qb.customers.create(customer, request_id=error.request_id)
    assert again.DisplayName == customer.DisplayName
    assert await qb.customers.count(col("DisplayName") == customer.DisplayName) == 1


async def test_every_write_error_carries_its_requestid(stack: Stack) -> None:
    qb, _ = stack.recording_client(retry=RetryPolicy(max_attempts=1))
    await stack.add_fault(kind="reset", when="after_commit", count=1, match={"method": "POST"})
    with pytest.raises(TransportError) as reset:
        await qb.customers.create(Customer(DisplayName="Reset After Commit"))
    assert reset.value.request_id is not None
    with pytest.raises(ValidationError) as invalid:
        await qb.customers.create(Customer(DisplayName=""))
    assert invalid.value.request_id is not None
    created = await qb.customers.create(Customer(DisplayName="Updated Twice"))
    assert created.Id is not None and created.SyncToken is not None
    await qb.customers.sparse_update(created.Id, created.SyncToken, Notes="first")
    with pytest.raises(ValidationError) as stale:
        await qb.customers.sparse_update(created.Id, created.SyncToken, Notes="stale")
    assert stale.value.code == "5010" and stale.value.request_id is not None
    with pytest.raises(ValidationError) as missing:
        await qb.customers.get("999999")  # a read sends no requestid, and carries none
    assert missing.value.request_id is None
