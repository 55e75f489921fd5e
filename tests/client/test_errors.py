"""Every error class, raised from a real emulator fault (validation, gateway, injected)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from decimal import Decimal

import httpx
import pytest

from qbo.client import (
    AsyncClient,
    AuthenticationError,
    AuthorizationError,
    BusinessValidationError,
    DuplicateDocumentNumberError,
    DuplicateNameError,
    InvalidPropertyError,
    InvalidReferenceError,
    ObjectNotFoundError,
    QBOError,
    QueryError,
    RateLimitError,
    RequestIdConflictError,
    RequiredFieldError,
    RetryPolicy,
    ServiceError,
    StaleObjectError,
    TransportError,
    UnsupportedOperationError,
)
from qbo.client.environment import emulator as emulator_environment
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.config import AuthMode
from qbo.schema.models import Customer, Invoice, JournalEntry, JournalEntryLineDetail, Line
from tests.client.conftest import Stack
from tests.client.helpers import ref, sales_line, service_item

pytestmark = pytest.mark.anyio

NO_RETRY = RetryPolicy(max_attempts=1)


def check(error: QBOError, code: str | None, status: int | None) -> None:
    assert error.code == code
    assert error.status_code == status
    assert error.intuit_tid, "every emulator answer carries intuit_tid"
    assert error.message


async def test_validation_faults_map_to_their_classes(qb: AsyncClient) -> None:
    with pytest.raises(ObjectNotFoundError) as e610:
        await qb.customers.get("424242")
    check(e610.value, "610", 400)

    with pytest.raises(InvalidPropertyError) as e2010:
        await qb.customers.create({"DisplayName": "X", "Bogus": 1})
    check(e2010.value, "2010", 400)
    assert "Bogus" in (e2010.value.detail or "")

    with pytest.raises(RequiredFieldError) as e2020:
        await qb.invoices.create({"Line": []})
    check(e2020.value, "2020", 400)
    assert e2020.value.element

    item = await service_item(qb)
    with pytest.raises(InvalidReferenceError) as e2500:
        await qb.invoices.create(
            Invoice(CustomerRef=ref("999999"), Line=[sales_line(item, 1, "1")])
        )
    check(e2500.value, "2500", 400)

    customer = await qb.customers.create(Customer(DisplayName="Unique Name"))
    with pytest.raises(DuplicateNameError) as e6240:
        await qb.customers.create(Customer(DisplayName="Unique Name"))
    check(e6240.value, "6240", 400)

    with pytest.raises(StaleObjectError) as e5010:
        await qb.customers.sparse_update(customer.Id or "", "7", Notes="stale")
    check(e5010.value, "5010", 400)

    bank = await qb.accounts.first("AccountType = 'Bank'")
    assert bank is not None
    unbalanced = [
        Line(
            Amount=Decimal(amount),
            DetailType="JournalEntryLineDetail",
            JournalEntryLineDetail=JournalEntryLineDetail(
                PostingType=side, AccountRef=ref(bank.Id)
            ),
        )
        for side, amount in (("Debit", "1.00"), ("Credit", "2.00"))
    ]
    with pytest.raises(BusinessValidationError) as e6000:
        await qb.journal_entries.create(JournalEntry(Line=unbalanced))
    check(e6000.value, "6000", 400)

    with pytest.raises(QueryError) as e4001:
        await qb.customers.query("Nope = 'x'")
    check(e4001.value, "4001", 400)

    with pytest.raises(UnsupportedOperationError) as e500:
        # Bypass the client's own check to see the server's answer to a forbidden operation.
        await qb._core.transport.request_json(
            "POST",
            "customer",
            params={"operation": "delete"},
            json={"Id": customer.Id, "SyncToken": "0"},
            write=True,
        )
    check(e500.value, "500", 400)

    await qb.customers.create({"DisplayName": "First"}, request_id="fixed-request-id-1")
    with pytest.raises(RequestIdConflictError) as e600:
        await qb.customers.create({"DisplayName": "Second"}, request_id="fixed-request-id-1")
    check(e600.value, "600", 400)


async def test_duplicate_document_number(qb: AsyncClient) -> None:
    prefs = await qb.preferences()
    await qb.preferences.update(
        {"SyncToken": prefs.SyncToken, "SalesFormsPrefs": {"CustomTxnNumbers": True}}, sparse=True
    )
    customer = await qb.customers.create(Customer(DisplayName="Doc Numbers"))
    item = await service_item(qb)
    body = Invoice(CustomerRef=ref(customer.Id), Line=[sales_line(item, 1, "5")], DocNumber="INV-7")
    await qb.invoices.create(body)
    with pytest.raises(DuplicateDocumentNumberError) as info:
        await qb.invoices.create(body)
    check(info.value, "6140", 400)


async def test_unknown_company_is_an_authorization_error(stack: Stack) -> None:
    qb = AsyncClient(
        "9999999999",
        environment=emulator_environment(stack.base_url),
        transport=httpx.ASGITransport(app=stack.app),
        pacing=None,
        retry=NO_RETRY,
    )
    async with qb:
        with pytest.raises(AuthorizationError) as info:
            await qb.company_info()
    check(info.value, "3100", 403)


@pytest.fixture
async def oauth_app() -> AsyncIterator[tuple[Emulator, object]]:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="empty", auth=AuthMode.OAUTH))
    yield emulator, create_app(emulator)
    emulator.close()


async def test_bad_token_is_an_authentication_error_and_never_shown(
    oauth_app: tuple[Emulator, object], caplog: pytest.LogCaptureFixture
) -> None:
    emulator, app = oauth_app
    realm = emulator.realms.list()[0]
    secret = "sk-this-token-must-never-be-logged-1234567890"
    caplog.set_level(logging.DEBUG)
    async with AsyncClient(
        realm.realm_id,
        environment=emulator_environment("http://emulator.test"),
        transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
        access_token=secret,
        pacing=None,
        retry=NO_RETRY,
    ) as qb:
        with pytest.raises(AuthenticationError) as info:
            await qb.customers.get("1")
    check(info.value, "3200", 401)
    assert secret not in str(info.value) and secret not in repr(info.value.errors)
    client_logs = [r.getMessage() for r in caplog.records if r.name == "qbo.client"]
    assert any(f"intuit_tid={info.value.intuit_tid}" in m for m in client_logs), client_logs
    assert all(secret not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("status", "error_class", "code"),
    [
        (429, RateLimitError, "3001"),
        (500, ServiceError, "10000"),
        (502, ServiceError, None),
        (503, ServiceError, None),
        (504, ServiceError, None),
    ],
)
async def test_injected_statuses(
    stack: Stack, status: int, error_class: type[QBOError], code: str | None
) -> None:
    await stack.add_fault(kind="status", status=status, match={"path_prefix": "customer"})
    qb = stack.client(retry=NO_RETRY)
    with pytest.raises(error_class) as info:
        await qb.customers.create(Customer(DisplayName="Unlucky"))
    check(info.value, code, status)
    if status >= 502:
        assert f"HTTP {status}" in info.value.message  # an HTML page, read without crashing


async def test_xml_throttle_fault_is_parsed(stack: Stack) -> None:
    await stack.throttle(xml=True)
    await stack.add_fault(kind="status", status=429, retry_after=3)
    qb = stack.client(retry=NO_RETRY)
    with pytest.raises(RateLimitError) as info:
        await qb.company_info()
    check(info.value, "3001", 429)
    assert info.value.detail and "request limit" in info.value.detail
    assert info.value.retry_after == 3


async def test_connection_reset_is_a_transport_error(stack: Stack) -> None:
    await stack.add_fault(kind="reset")
    qb = stack.client(retry=NO_RETRY)
    with pytest.raises(TransportError) as info:
        await qb.company_info()
    assert info.value.status_code is None and "ReadError" in info.value.message


async def test_connection_refused_is_a_transport_error() -> None:
    qb = AsyncClient(
        "1",
        environment="http://127.0.0.1:9",  # discard port: nothing listens
        pacing=None,
        retry=RetryPolicy(max_attempts=2, backoff_base=0.001),
        timeout=5,
    )
    async with qb:
        with pytest.raises(TransportError):
            await qb.company_info()


def test_sync_client_reset_over_a_socket(socket_url: str, emu: Emulator) -> None:
    """Over a real socket an injected reset is a TCP RST; the sync client sees TransportError."""
    from qbo.client import Client

    realm = emu.realms.create("empty")
    with httpx.Client(base_url=socket_url) as control:
        created = control.post(
            "/_emulator/faults",
            json={"kind": "reset", "realm": realm.realm_id, "count": 1},
        )
        assert created.status_code == 201, created.text
    with Client(
        realm.realm_id, environment=emulator_environment(socket_url), pacing=None, retry=NO_RETRY
    ) as qb:
        with pytest.raises(TransportError):
            qb.company_info()
        assert qb.company_info().CompanyName  # the rule fired once; the next call works
