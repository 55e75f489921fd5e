"""Every resource method of the async client, against a real emulator in-process."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.client import (
    NOT_GIVEN,
    AsyncClient,
    Client,
    Deleted,
    ObjectNotFoundError,
    QueryError,
    StaleObjectError,
    UnsupportedOperationError,
)
from qbo.client._async.resources import AsyncDeleteOps
from qbo.client.environment import emulator as emulator_environment
from qbo.emulator import Emulator
from qbo.query import col, select
from qbo.schema import jsoncodec
from qbo.schema.models import (
    Attachable,
    Customer,
    EmailAddress,
    ExchangeRate,
    Invoice,
    JournalEntry,
    JournalEntryLineDetail,
    Line,
    Payment,
    TaxAgency,
)
from tests.client.conftest import Stack
from tests.client.helpers import account, invoice, ref, seed_customers, service_item

pytestmark = pytest.mark.anyio


async def test_create_get_update_and_sparse_update(qb: AsyncClient) -> None:
    created = await qb.customers.create(Customer(DisplayName="Acme Ltd", Notes="first"))
    assert isinstance(created, Customer)
    assert created.SyncToken == "0" and created.Balance == Decimal(0)
    assert created.MetaData is not None and created.MetaData.CreateTime is not None
    assert created.MetaData.CreateTime.utcoffset() is not None  # aware datetimes

    read = await qb.customers.get(created.Id or "")
    assert read == created

    read.CompanyName = "Acme Limited"
    updated = await qb.customers.update(read)
    assert updated.SyncToken == "1" and updated.CompanyName == "Acme Limited"

    # Sparse update: only the given field changes; fields not given stay as they were.
    sparse = await qb.customers.sparse_update(
        updated.Id or "", updated.SyncToken or "", Notes="second", CompanyName=NOT_GIVEN
    )
    assert sparse.Notes == "second" and sparse.CompanyName == "Acme Limited"

    # update(obj, sparse=True) sends only the fields that were set on the model.
    patch = Customer(
        Id=sparse.Id,
        SyncToken=sparse.SyncToken,
        PrimaryEmailAddr=EmailAddress(Address="a@acme.test"),
    )
    again = await qb.customers.update(patch, sparse=True)
    assert again.PrimaryEmailAddr is not None and again.PrimaryEmailAddr.Address == "a@acme.test"
    assert again.Notes == "second" and again.CompanyName == "Acme Limited"


async def test_sparse_update_sends_none_as_null_and_omits_not_given(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    created = await qb.customers.create({"DisplayName": "Nullable", "Notes": "note"})
    result = await qb.customers.sparse_update(
        created.Id or "", "0", Notes=None, CompanyName=NOT_GIVEN, Title="Dr"
    )
    assert result.SyncToken == "1" and result.Title == "Dr"
    body = jsoncodec.loads(sent[-1].content)
    assert body == {
        "Id": created.Id,
        "SyncToken": "0",
        "sparse": True,
        "Notes": None,
        "Title": "Dr",
    }
    assert sent[-1].url.params["operation"] == "update"


async def test_create_accepts_dicts_and_keeps_unknown_fields(qb: AsyncClient) -> None:
    created = await qb.customers.create({"DisplayName": "Dict Customer"})
    assert created.DisplayName == "Dict Customer"
    model = Customer.from_qbo({"DisplayName": "X", "FutureField": {"a": 1}})
    assert model.to_qbo()["FutureField"] == {"a": 1}


async def test_name_lists_cannot_be_deleted_but_deactivated(qb: AsyncClient) -> None:
    assert not hasattr(qb.customers, "delete")
    created = await qb.customers.create(Customer(DisplayName="Leaving Soon"))
    inactive = await qb.customers.deactivate(created)
    assert inactive.Active is False
    assert await qb.customers.query(col("DisplayName") == "Leaving Soon") == []
    everyone = await qb.customers.query(select("Customer").where(col("Active").in_([True, False])))
    assert [c.DisplayName for c in everyone] == ["Leaving Soon"]


async def test_unsupported_operations_fail_before_any_io(stack: Stack) -> None:
    qb, sent = stack.recording_client()

    class CustomerDeletes(AsyncDeleteOps[Customer]):
        entity_name = "Customer"

    with pytest.raises(UnsupportedOperationError) as info:
        await CustomerDeletes(qb._core).delete(("1", "0"))
    assert info.value.code == "500"
    with pytest.raises(UnsupportedOperationError):
        qb.batch().void(Customer(Id="1", SyncToken="0"))
    with pytest.raises(UnsupportedOperationError):
        qb.batch().delete(Customer(Id="1", SyncToken="0"))
    assert not hasattr(qb.invoices, "deactivate")
    assert not hasattr(qb.customer_types, "create")
    assert not hasattr(qb.recurring_transactions, "update")
    assert sent == []


async def test_delete_and_read_deleted(qb: AsyncClient) -> None:
    customer = await qb.customers.create(Customer(DisplayName="Bill To"))
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(1, "10.00")])
    deleted = await qb.invoices.delete(inv)
    assert deleted == Deleted("Invoice", inv.Id or "")
    with pytest.raises(ObjectNotFoundError) as info:
        await qb.invoices.get(inv.Id or "")
    assert info.value.code == "610" and info.value.status_code == 400
    assert info.value.intuit_tid


async def test_delete_with_id_and_token_forms(qb: AsyncClient) -> None:
    debit, credit = await account(qb, "Expense"), await account(qb, "Bank")

    def entry(amount: str) -> JournalEntry:
        return JournalEntry(
            Line=[
                Line(
                    Amount=Decimal(amount),
                    DetailType="JournalEntryLineDetail",
                    JournalEntryLineDetail=JournalEntryLineDetail(
                        PostingType=side, AccountRef=ref(acct.Id)
                    ),
                )
                for side, acct in (("Debit", debit), ("Credit", credit))
            ]
        )

    first, second = (
        await qb.journal_entries.create(entry("5.00")),
        await qb.journal_entries.create(entry("6.00")),
    )
    assert (await qb.journal_entries.delete((first.Id or "", "0"))).id == first.Id
    assert (await qb.journal_entries.delete(second.Id or "", "0")).id == second.Id
    with pytest.raises(ValueError):
        await qb.journal_entries.delete("7")  # a bare id needs its SyncToken


async def test_void_invoice_and_payment_use_their_wire_forms(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    customer = await qb.customers.create(Customer(DisplayName="Void Me"))
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(2, "50.00")])
    voided = await qb.invoices.void(inv)
    assert voided.TotalAmt == Decimal(0) and "Voided" in (voided.PrivateNote or "")
    assert sent[-1].url.path.endswith("/invoice")
    assert sent[-1].url.params["operation"] == "void"

    payment = await qb.payments.create(
        Payment(CustomerRef=ref(customer.Id), TotalAmt=Decimal("30.00"))
    )
    voided_payment = await qb.payments.void(payment.Id or "", payment.SyncToken)
    assert voided_payment.TotalAmt == Decimal(0)
    assert sent[-1].url.params["operation"] == "update"
    assert sent[-1].url.params["include"] == "void"
    assert jsoncodec.loads(sent[-1].content) == {
        "Id": payment.Id,
        "SyncToken": payment.SyncToken,
        "sparse": True,
    }


async def test_query_forms_return_typed_models(qb: AsyncClient) -> None:
    for name in ("Alpha", "Beta", "O'Brien"):
        await qb.customers.create(Customer(DisplayName=name))
    by_builder = await qb.customers.query(select("Customer").where(col("DisplayName") == "O'Brien"))
    by_condition = await qb.customers.query(col("DisplayName") == "O'Brien")
    by_where = await qb.customers.query("DisplayName = 'Beta'")
    by_where_keyword = await qb.customers.query("WHERE DisplayName LIKE 'Al%'")
    by_text = await qb.customers.query("SELECT * FROM Customer ORDERBY DisplayName DESC")
    assert [c.DisplayName for c in by_builder] == ["O'Brien"]
    assert by_condition == by_builder
    assert [c.DisplayName for c in by_where] == ["Beta"]
    assert [c.DisplayName for c in by_where_keyword] == ["Alpha"]
    assert [c.DisplayName for c in by_text] == ["O'Brien", "Beta", "Alpha"]
    assert all(isinstance(c, Customer) for c in by_text)
    assert await qb.customers.count() == 3
    assert await qb.customers.count("DisplayName LIKE 'B%'") == 1
    first = await qb.customers.first(select("Customer").order_by("DisplayName"))
    assert first is not None and first.DisplayName == "Alpha"
    assert await qb.customers.first("DisplayName = 'Nobody'") is None
    with pytest.raises(ValueError):
        await qb.customers.query("SELECT * FROM Vendor")
    with pytest.raises(QueryError) as info:
        await qb.customers.query("DisplayName = 'x' OR Active = true")
    assert info.value.code == "4000"


async def test_query_validation_fault_from_server(qb: AsyncClient) -> None:
    with pytest.raises(QueryError) as info:
        await qb.customers.query("NoSuchField = 'x'")
    assert info.value.code == "4001" and info.value.status_code == 400


async def test_iter_pages_through_everything(stack: Stack) -> None:
    seed_customers(stack.emulator, stack.realm, 2050)
    queries: list[str] = []
    qb = stack.client(on_request=lambda e: queries.append(e.path))
    rows = [c async for c in qb.customers.iter()]
    assert len(rows) == 2050 and len({c.Id for c in rows}) == 2050
    assert queries == ["query"] * 3  # 1000 + 1000 + 50: never stops at 100 or 1000
    everything = await qb.customers.query("DisplayName LIKE 'Bulk%'")
    assert len(everything) == 2050
    capped = await qb.customers.query(select("Customer").limit(150))
    assert len(capped) == 150
    offset = await qb.customers.query(select("Customer").start_position(2001).limit(1000))
    assert [c.DisplayName for c in offset][:1] == ["Bulk 02000"] and len(offset) == 50
    small_pages = [c async for c in qb.customers.iter("DisplayName LIKE 'Bulk 0000%'", page_size=3)]
    assert len(small_pages) == 10
    assert await qb.customers.count() == 2050


async def test_client_query_and_count_any_entity(qb: AsyncClient) -> None:
    await qb.customers.create(Customer(DisplayName="Raw Query"))
    result = await qb.query("select * from Customer where DisplayName = 'Raw Query'")
    assert result.entity == "Customer" and len(result) == 1
    assert isinstance(result[0], Customer)
    counted = await qb.query(select("Account").count())
    assert counted.total_count is not None and counted.total_count > 10
    accounts = await qb.query("SELECT Name, AccountType FROM Account")
    assert len(accounts) == counted.total_count  # every row, though QBO pages at 100


async def test_company_info_and_preferences(qb: AsyncClient) -> None:
    info = await qb.company_info()
    assert info.CompanyName and info.Id == "1"
    prefs = await qb.preferences()
    assert prefs.SyncToken is not None
    updated = await qb.preferences.update(
        {"SyncToken": prefs.SyncToken, "SalesFormsPrefs": {"CustomTxnNumbers": True}},
        sparse=True,
    )
    assert updated.SalesFormsPrefs is not None and updated.SalesFormsPrefs.CustomTxnNumbers is True
    renamed = await qb.company_info.sparse_update(
        info.Id or "1", info.SyncToken or "0", CompanyName="Renamed Co"
    )
    assert renamed.CompanyName == "Renamed Co"


def test_update_with_retry_reapplies_after_a_concurrent_change(
    emu: Emulator, socket_url: str
) -> None:
    """Two real clients on one company: the other one writes between our read and write."""
    realm = emu.realms.create("empty").realm_id
    env = emulator_environment(socket_url)
    with (
        Client(realm, environment=env, pacing=None) as mine,
        Client(realm, environment=env, pacing=None) as theirs,
    ):
        customer = mine.customers.create(Customer(DisplayName="Contended", Notes="v0"))
        seen: list[str | None] = []

        def mutate(current: Customer) -> None:
            seen.append(current.SyncToken)
            if len(seen) == 1:  # a concurrent change lands after our read
                theirs.customers.sparse_update(
                    current.Id or "", current.SyncToken or "", Notes="theirs"
                )
            current.CompanyName = "Mine"

        result = mine.customers.update_with_retry(customer.Id or "", mutate)
        assert seen == ["0", "1"]  # the first write was stale (5010); re-read, re-applied
        assert result.CompanyName == "Mine" and result.Notes == "theirs"
        assert result.SyncToken == "2"

        def always_loses(current: Customer) -> None:
            theirs.customers.sparse_update(current.Id or "", current.SyncToken or "", Notes="again")

        with pytest.raises(StaleObjectError):
            mine.customers.update_with_retry(customer.Id or "", always_loses, retries=2)


async def test_send_and_pdf(qb: AsyncClient) -> None:
    customer = await qb.customers.create(
        Customer(DisplayName="Mail Me", PrimaryEmailAddr=EmailAddress(Address="ap@mailme.test"))
    )
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(1, "99.00")])
    sent = await qb.invoices.send(inv.Id or "")
    assert sent.EmailStatus == "EmailSent"
    sent_to = await qb.invoices.send(inv.Id or "", to="other@mailme.test")
    assert sent_to.DeliveryInfo is not None
    pdf = await qb.invoices.pdf(inv.Id or "")
    assert pdf.startswith(b"%PDF")


async def test_attachments_upload_and_download(qb: AsyncClient) -> None:
    customer = await qb.customers.create(Customer(DisplayName="Attached"))
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(1, "5.00")])
    data = "receipt: caf\u00e9 \u2014 12.50\n".encode() * 100
    attachable = await qb.attachables.upload(
        data, "receipt.txt", "text/plain", attach_to=[("Invoice", inv.Id or "")]
    )
    assert isinstance(attachable, Attachable) and attachable.FileName == "receipt.txt"
    assert attachable.AttachableRef and attachable.AttachableRef[0].EntityRef is not None
    assert attachable.AttachableRef[0].EntityRef.value == inv.Id
    assert await qb.attachables.download(attachable.Id or "") == data
    listed = await qb.attachables.query(col("FileName") == "receipt.txt")
    assert [a.Id for a in listed] == [attachable.Id]


async def test_exchange_rates_and_tax_service(qb: AsyncClient) -> None:
    home = await qb.exchange_rates.get("usd")
    assert isinstance(home, ExchangeRate) and home.Rate == Decimal(1)
    agency = await qb.tax_agencies.create(TaxAgency(DisplayName="State Tax Board"))
    created = await qb.tax_codes.create_with_rates(
        "State Sales",
        [{"TaxRateName": "State 8.25", "RateValue": "8.25", "TaxAgencyId": agency.Id}],
    )
    code = await qb.tax_codes.get(str(created["TaxCodeId"]))
    assert code.Name == "State Sales"
    assert not hasattr(qb.tax_codes, "create")  # tax codes are created through TaxService


async def test_invoice_model_round_trip_keeps_money_exact(stack: Stack) -> None:
    qb, sent = stack.recording_client()
    customer = await qb.customers.create(Customer(DisplayName="Exact"))
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(3, "0.10"), (1, "0.20")])
    assert inv.TotalAmt == Decimal("0.50")  # 0.1 * 3 + 0.2 in floats would not be
    assert isinstance(inv, Invoice) and isinstance(inv.TotalAmt, Decimal)
    assert b'"UnitPrice":0.10' in sent[-1].content  # money goes out as a JSON number
    assert inv.MetaData is not None and inv.MetaData.LastUpdatedTime is not None
    assert inv.MetaData.LastUpdatedTime.utcoffset() is not None
