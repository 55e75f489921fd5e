"""One customer check paying two invoices in full and a third in part."""

from decimal import Decimal

from _client import connect

from qbo.query import col, select
from qbo.schema.models import Line, LinkedTxn, Payment, ReferenceType

with connect() as qb:
    open_invoices = qb.invoices.query(
        select("Invoice").where(col("Balance") > 0).order_by(col("Id")).limit(50)
    )
    by_customer: dict[str, list] = {}
    for inv in open_invoices:
        by_customer.setdefault(inv.CustomerRef.value, []).append(inv)
    customer_id, invoices = max(by_customer.items(), key=lambda kv: len(kv[1]))
    chosen = invoices[:3]
    amounts = [inv.Balance for inv in chosen]
    if len(amounts) == 3:
        amounts[2] = (amounts[2] / 2).quantize(Decimal("0.01"))  # the last one in part
    payment = qb.payments.create(
        Payment(
            CustomerRef=ReferenceType(value=customer_id),
            TotalAmt=sum(amounts, Decimal(0)),
            Line=[
                Line(Amount=amount, LinkedTxn=[LinkedTxn(TxnId=inv.Id, TxnType="Invoice")])
                for inv, amount in zip(chosen, amounts, strict=True)
            ],
        )
    )
    print(f"payment {payment.Id} of {payment.TotalAmt:,.2f} for customer {customer_id}")
    for inv in chosen:
        after = qb.invoices.get(inv.Id)
        print(f"  invoice {after.DocNumber}: {inv.Balance:,.2f} -> {after.Balance:,.2f}")
