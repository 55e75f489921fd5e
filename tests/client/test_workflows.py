"""The classic receivables workflows end to end, through the client, against the emulator."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.client import AsyncClient
from qbo.query import col
from qbo.schema.models import (
    Customer,
    EmailAddress,
    Invoice,
    LinkedTxn,
    Payment,
    ReferenceType,
    TaxAgency,
    TxnTaxDetail,
)
from qbo.schema.models import Line as TxnLine
from tests.client.helpers import invoice, ref, sales_line, service_item

pytestmark = pytest.mark.anyio


async def find_or_create_customer(qb: AsyncClient, name: str, email: str) -> Customer:
    found = await qb.customers.first(col("DisplayName") == name)
    if found is not None:
        return found
    return await qb.customers.create(
        Customer(DisplayName=name, PrimaryEmailAddr=EmailAddress(Address=email))
    )


def payment_line(amount: str, *invoices: Invoice) -> TxnLine:
    return TxnLine(
        Amount=Decimal(amount),
        LinkedTxn=[LinkedTxn(TxnId=inv.Id, TxnType="Invoice") for inv in invoices],
    )


async def balance_of(qb: AsyncClient, customer: Customer) -> Decimal | None:
    return (await qb.customers.get(customer.Id or "")).Balance


async def test_invoice_with_tax_sent_then_paid_in_two_parts(qb: AsyncClient) -> None:
    customer = await find_or_create_customer(qb, "Workflow Co", "ap@workflow.test")
    assert (await find_or_create_customer(qb, "Workflow Co", "ap@workflow.test")).Id == customer.Id
    agency = await qb.tax_agencies.create(TaxAgency(DisplayName="Workflow Tax Agency"))
    tax = await qb.tax_codes.create_with_rates(
        "Workflow 10%", [{"TaxRateName": "Ten", "RateValue": "10", "TaxAgencyId": agency.Id}]
    )
    design = await service_item(qb, "Design", taxable=True)
    support = await service_item(qb, "Support")
    inv = await qb.invoices.create(
        Invoice(
            CustomerRef=ref(customer.Id),
            Line=[sales_line(design, 3, "100.00", tax=True), sales_line(support, 2, "25.50")],
            TxnTaxDetail=TxnTaxDetail(TxnTaxCodeRef=ReferenceType(value=str(tax["TaxCodeId"]))),
        )
    )
    assert inv.TxnTaxDetail is not None and inv.TxnTaxDetail.TotalTax == Decimal("30.00")
    assert inv.TotalAmt == Decimal("381.00") and inv.Balance == Decimal("381.00")

    sent = await qb.invoices.send(inv.Id or "")
    assert sent.EmailStatus == "EmailSent"

    partial = await qb.payments.create(
        Payment(
            CustomerRef=ref(customer.Id),
            TotalAmt=Decimal("100.00"),
            Line=[payment_line("100.00", inv)],
        )
    )
    assert partial.UnappliedAmt == Decimal(0)
    assert (await qb.invoices.get(inv.Id or "")).Balance == Decimal("281.00")
    assert await balance_of(qb, customer) == Decimal("281.00")

    await qb.payments.create(
        Payment(
            CustomerRef=ref(customer.Id),
            TotalAmt=Decimal("281.00"),
            Line=[payment_line("281.00", inv)],
        )
    )
    paid = await qb.invoices.get(inv.Id or "")
    assert paid.Balance == Decimal(0)
    assert {t.TxnType for t in paid.LinkedTxn or []} == {"Payment"}
    assert await balance_of(qb, customer) == Decimal(0)
    open_invoices = await qb.invoices.query(col("Balance") > Decimal(0))
    assert open_invoices == []


async def test_one_check_pays_two_invoices(qb: AsyncClient) -> None:
    customer = await find_or_create_customer(qb, "Two Invoices Inc", "pay@two.test")
    item = await service_item(qb)
    first = await invoice(qb, customer, item, [(1, "120.00")])
    second = await invoice(qb, customer, item, [(2, "40.00")])
    assert await balance_of(qb, customer) == Decimal("200.00")
    check = await qb.payments.create(
        Payment(
            CustomerRef=ref(customer.Id),
            TotalAmt=Decimal("200.00"),
            PaymentRefNum="CHK-1001",
            Line=[payment_line("120.00", first), payment_line("80.00", second)],
        )
    )
    assert check.UnappliedAmt == Decimal(0)
    for inv in (first, second):
        assert (await qb.invoices.get(inv.Id or "")).Balance == Decimal(0)
    assert await balance_of(qb, customer) == Decimal(0)

    # Voiding the check reopens both invoices.
    await qb.payments.void(check)
    assert (await qb.invoices.get(first.Id or "")).Balance == Decimal("120.00")
    assert await balance_of(qb, customer) == Decimal("200.00")


async def test_overpayment_leaves_a_credit(qb: AsyncClient) -> None:
    customer = await find_or_create_customer(qb, "Overpayer", "over@pay.test")
    item = await service_item(qb)
    inv = await invoice(qb, customer, item, [(1, "75.00")])
    payment = await qb.payments.create(
        Payment(
            CustomerRef=ref(customer.Id),
            TotalAmt=Decimal("100.00"),
            Line=[payment_line("75.00", inv)],
        )
    )
    assert payment.UnappliedAmt == Decimal("25.00")
    assert (await qb.invoices.get(inv.Id or "")).Balance == Decimal(0)
    assert await balance_of(qb, customer) == Decimal("-25.00")  # a credit the customer holds
