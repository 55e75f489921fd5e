"""The four everyday QuickBooks workflows, as ``make demo`` runs them through ``qbo.Client``.

1. invoicing: create an invoice and e-mail it, with its PDF;
2. payments: a full payment, a partial one, one check for several invoices, and money
   received ahead of any invoice (an unapplied credit);
3. the customer lifecycle: sparse updates, two people editing at once (a SyncToken
   conflict, resolved by re-reading and re-applying), deactivation;
4. keeping up with changes: a batch of writes, then change data capture (CDC) since a
   moment, deletions included.

Each returns what it did as rows for the demo to print; nothing here knows about the
emulator, so the same code runs against a sandbox company.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from qbo.client import Client, Deleted, StaleObjectError
from qbo.query import col
from qbo.schema.models import Customer

Rows = list[tuple[str, str]]
Say = Callable[[str], None]


def money(value: Any) -> str:
    """Money as people read it: two decimals, thousands separated."""
    return f"{Decimal(str(value or 0)):,.2f}"


def _suffix() -> str:
    return time.strftime("%H%M%S")


def _service_item(qb: Client) -> str:
    item = qb.items.first(col("Type") == "Service")
    if item is None or item.Id is None:
        raise RuntimeError("the company has no service item to invoice")
    return str(item.Id)


def _invoice(qb: Client, customer_id: str, item_id: str, amount: str, text: str) -> Any:
    return qb.invoices.create(
        {
            "CustomerRef": {"value": customer_id},
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": amount,
                    "Description": text,
                    "SalesItemLineDetail": {"ItemRef": {"value": item_id}},
                }
            ],
        }
    )


def invoicing(qb: Client) -> Rows:
    """Create an invoice with two lines, e-mail it, and fetch its PDF."""
    item_id = _service_item(qb)
    customer = qb.customers.create(
        {
            "DisplayName": f"Demo Gardens {_suffix()}",
            "PrimaryEmailAddr": {"Address": "ap@demogardens.example"},
        }
    )
    invoice = qb.invoices.create(
        {
            "CustomerRef": {"value": customer.Id},
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": 300,
                    "Description": "Garden design",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item_id},
                        "Qty": 4,
                        "UnitPrice": 75,
                    },
                },
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": "112.50",
                    "Description": "Trimming",
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item_id},
                        "Qty": "4.5",
                        "UnitPrice": 25,
                    },
                },
            ],
        }
    )
    sent = qb.invoices.send(str(invoice.Id))
    pdf = qb.invoices.pdf(str(invoice.Id))
    return [
        ("Customer", f"{customer.DisplayName} (Id {customer.Id})"),
        ("Invoice", f"#{invoice.DocNumber} (Id {invoice.Id}), due {invoice.DueDate}"),
        ("Total", money(invoice.TotalAmt)),
        ("E-mailed to", f"{sent.BillEmail.Address if sent.BillEmail else ''}: {sent.EmailStatus}"),
        ("PDF", f"{len(pdf):,} bytes"),
    ]


def payments(qb: Client) -> Rows:
    """Full, partial, one check for several invoices, and an unapplied credit."""
    item_id = _service_item(qb)
    customer = qb.customers.create({"DisplayName": f"Payments Co {_suffix()}"})
    cid = str(customer.Id)
    first = _invoice(qb, cid, item_id, "100.00", "Spring clean-up")
    second = _invoice(qb, cid, item_id, "200.00", "Hedge trimming")
    third = _invoice(qb, cid, item_id, "300.00", "Lawn care, June")

    def pay(total: str, applied: list[tuple[Any, str]], memo: str) -> Any:
        lines = [
            {"Amount": amount, "LinkedTxn": [{"TxnId": inv.Id, "TxnType": "Invoice"}]}
            for inv, amount in applied
        ]
        body: dict[str, Any] = {"CustomerRef": {"value": cid}, "TotalAmt": total, "Line": lines}
        body["PrivateNote"] = memo
        return qb.payments.create(body)

    pay("100.00", [(first, "100.00")], "paid in full")
    pay("50.00", [(second, "50.00")], "a partial payment")
    check = pay("450.00", [(second, "150.00"), (third, "300.00")], "one check, two invoices")
    credit = pay("80.00", [], "received before any invoice")
    balances = {inv.Id: qb.invoices.get(str(inv.Id)).Balance for inv in (first, second, third)}
    customer = qb.customers.get(cid)
    return [
        (
            "Invoices",
            f"{money(first.TotalAmt)} + {money(second.TotalAmt)} + {money(third.TotalAmt)}",
        ),
        ("Paid in full", f"invoice {first.Id}: balance {money(balances[first.Id])}"),
        ("Partial, then the rest", f"invoice {second.Id}: balance {money(balances[second.Id])}"),
        (
            "One check for two",
            f"payment {check.Id} of {money(check.TotalAmt)} -> invoices {second.Id}, {third.Id}",
        ),
        ("Unapplied credit", f"payment {credit.Id}: {money(credit.UnappliedAmt)} unapplied"),
        ("Customer balance", money(customer.Balance)),
    ]


def customer_lifecycle(qb: Client, say: Say | None = None) -> Rows:
    """Sparse updates, a SyncToken conflict resolved, deactivation."""
    customer = qb.customers.create({"DisplayName": f"Lifecycle Ltd {_suffix()}"})
    cid, token = str(customer.Id), str(customer.SyncToken)
    phoned = qb.customers.sparse_update(cid, token, PrimaryPhone={"FreeFormNumber": "555-0100"})
    # Two people read the same version; the first saves, the second is told it is stale.
    alice = qb.customers.get(cid)
    bob = qb.customers.get(cid)
    qb.customers.sparse_update(str(alice.Id), str(alice.SyncToken), Notes="Prefers e-mail")
    try:
        qb.customers.sparse_update(str(bob.Id), str(bob.SyncToken), CompanyName="Lifecycle Limited")
        conflict = "none (unexpected)"
    except StaleObjectError as exc:
        conflict = f"{exc.code}: {exc.message}"

    def rename(current: Any) -> None:
        current.CompanyName = "Lifecycle Limited"

    resolved = qb.customers.update_with_retry(cid, rename, sparse=True)
    inactive = qb.customers.deactivate(resolved)
    listed = qb.customers.count(col("DisplayName") == customer.DisplayName)
    every = qb.customers.count(
        [col("DisplayName") == customer.DisplayName, col("Active").in_([True, False])]
    )
    return [
        ("Created", f"{customer.DisplayName} (Id {cid}, SyncToken {customer.SyncToken})"),
        (
            "Sparse update",
            f"phone {phoned.PrimaryPhone.FreeFormNumber if phoned.PrimaryPhone else ''}, SyncToken {phoned.SyncToken}",
        ),
        ("Second editor", conflict),
        (
            "Resolved",
            f"re-read and re-applied: {resolved.CompanyName}, notes kept: {resolved.Notes}",
        ),
        (
            "Deactivated",
            f"Active={inactive.Active}; plain query finds {listed}, with Active IN (true, false) {every}",
        ),
    ]


def changes(qb: Client) -> Rows:
    """A batch of writes, then every change since just before it through CDC."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    item_id = _service_item(qb)
    batch = qb.batch()
    stamp = _suffix()
    for n in range(3):
        batch.create({"DisplayName": f"Batch Customer {stamp}-{n}"}, entity="Customer")
    batch.query(f"select count(*) from Customer where DisplayName like 'Batch Customer {stamp}%'")
    result = batch.execute()
    made = [result[bid].unwrap_as(Customer) for bid in result if result[bid].operation == "create"]
    doomed = _invoice(qb, str(made[0].Id), item_id, "25.00", "Cancelled order")
    qb.invoices.delete(doomed)
    cdc = qb.cdc(["Customer", "Invoice"], since)
    deleted = [c for c in cdc if isinstance(c, Deleted)]
    changed = [c for c in cdc if not isinstance(c, Deleted)]
    return [
        ("Batch", f"{len(result)} items in 1 request: {len(made)} customers created, 1 query"),
        (
            "CDC since",
            f"{since.isoformat(timespec='seconds')}: {len(changed)} changed, {len(deleted)} deleted",
        ),
        ("Deleted", ", ".join(f"{d.entity} {d.id}" for d in deleted) or "-"),
        ("CDC requests", str(cdc.requests)),
    ]


def reports(qb: Client) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """Accounts receivable aging (totals by bucket) and profit and loss (section totals)."""
    aging = qb.reports.aged_receivables()
    aging_total = next((r for r in reversed(aging.rows()) if r.get("row_type") == "Summary"), None)
    buckets = [
        (c.title or c.key, money(aging_total.get(c.key)))
        for c in aging.columns[1:]
        if aging_total is not None
    ]
    pnl = qb.reports.profit_and_loss(date_macro="This Fiscal Year")
    totals = [
        (
            str(r.get(pnl.columns[0].key) or " > ".join(r["section"])),
            money(r.get(pnl.columns[-1].key)),
        )
        for r in pnl.rows()
        if r.get("row_type") == "Summary"
    ]
    return buckets, totals
