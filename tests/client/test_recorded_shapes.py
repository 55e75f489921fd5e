"""The client reads QBO's recorded answer shapes and can send them back unchanged.

Empty references (``TaxExemptionRef: {}``), ``CustomExtensions``, address Ids and a
payment line's ``LineEx`` come back in every read; a read-modify-write through the
models must neither fail to parse them nor be refused for sending them back.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.client import AsyncClient
from qbo.schema.models import Customer, Invoice, LinkedTxn, Payment, PhysicalAddress
from qbo.schema.models import Line as TxnLine
from tests.client.helpers import invoice, ref, service_item

pytestmark = pytest.mark.anyio


async def test_invoice_and_payment_round_trip(qb: AsyncClient) -> None:
    customer = await qb.customers.create(
        Customer(DisplayName="Shape Round Trip", BillAddr=PhysicalAddress(Line1="1 Loop Rd"))
    )
    assert customer.BillAddr is not None and customer.BillAddr.Id
    item = await service_item(qb, "Shape Service")
    inv = await invoice(qb, customer, item, [(2, "50.00")])
    read = await qb.invoices.get(inv.Id or "")
    assert read.TaxExemptionRef is not None and read.TaxExemptionRef.value is None
    assert read.BillAddr is not None and read.BillAddr.Id == customer.BillAddr.Id
    read.PrivateNote = "changed"
    updated = await qb.invoices.update(read)
    assert isinstance(updated, Invoice) and updated.PrivateNote == "changed"
    assert updated.SyncToken == "1" and updated.TotalAmt == Decimal(100)

    line = TxnLine(Amount=Decimal(40), LinkedTxn=[LinkedTxn(TxnId=inv.Id, TxnType="Invoice")])
    paid = await qb.payments.create(
        Payment(CustomerRef=ref(customer.Id), TotalAmt=Decimal(40), Line=[line])
    )
    (paid_line,) = (await qb.payments.get(paid.Id or "")).Line or []
    extra = paid_line.model_dump(by_alias=True)
    assert extra.get("LineEx") and paid_line.Id is None
    again = await qb.payments.update(await qb.payments.get(paid.Id or ""))
    assert again.SyncToken == "1" and again.TotalAmt == Decimal(40)
