"""Create an invoice for a customer and e-mail it (QBO sends it and records EmailStatus)."""

from decimal import Decimal

from _client import connect

from qbo.query import col
from qbo.schema.models import (
    Customer,
    EmailAddress,
    Invoice,
    Line,
    ReferenceType,
    SalesItemLineDetail,
)

with connect() as qb:
    item = qb.items.first(col("Type") == "Service")
    assert item is not None, "the company needs a service item"
    customer = qb.customers.first(col("DisplayName") == "Example Gardens") or qb.customers.create(
        Customer(
            DisplayName="Example Gardens", PrimaryEmailAddr=EmailAddress(Address="ap@example.com")
        )
    )
    invoice = qb.invoices.create(
        Invoice(
            CustomerRef=ReferenceType(value=customer.Id),
            Line=[
                Line(
                    DetailType="SalesItemLineDetail",
                    Amount=Decimal("250.00"),
                    Description="Garden design, first visit",
                    SalesItemLineDetail=SalesItemLineDetail(
                        ItemRef=ReferenceType(value=item.Id),
                        Qty=Decimal(1),
                        UnitPrice=Decimal("250.00"),
                    ),
                )
            ],
        )
    )
    sent = qb.invoices.send(invoice.Id)  # or send(invoice.Id, to="someone@example.com")
    print(f"invoice {invoice.DocNumber} for {invoice.TotalAmt:,.2f}: {sent.EmailStatus}")
