"""``large:N``: many customers and invoices, fast, for benchmarks.

Half the objects are customers and half invoices (one line each). They go through the same
CRUD path as API writes, in one transaction, so the state is exactly what API writes leave.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Session


def seed_large(s: Session, n: int, progress: Any = None) -> None:
    accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
    item = create(
        s,
        "Item",
        {
            "Name": "Consulting",
            "Type": "Service",
            "UnitPrice": "100",
            "IncomeAccountRef": {"value": accounts["Services"]},
        },
    )
    customers = max(1, n // 2)
    invoices = n - customers
    customer_ids: list[str] = []
    for index in range(customers):
        customer = create(
            s,
            "Customer",
            {
                "DisplayName": f"Acme {index + 1:06d}",
                "CompanyName": f"Acme {index + 1:06d} Ltd",
                "PrimaryEmailAddr": {"Address": f"billing{index + 1}@acme.example"},
            },
        )
        customer_ids.append(customer["Id"])
        if progress is not None and index % 1000 == 0:
            progress(index, n)
    for index in range(invoices):
        qty = index % 9 + 1
        create(
            s,
            "Invoice",
            {
                "CustomerRef": {"value": customer_ids[index % len(customer_ids)]},
                "TxnDate": f"{2025 + (index // 365) % 2}-{(index // 28) % 12 + 1:02d}-{index % 28 + 1:02d}",
                "Line": [
                    {
                        "DetailType": "SalesItemLineDetail",
                        "Amount": str(qty * 100),
                        "SalesItemLineDetail": {
                            "ItemRef": {"value": item["Id"]},
                            "Qty": qty,
                            "UnitPrice": "100",
                        },
                    }
                ],
            },
        )
        if progress is not None and index % 1000 == 0:
            progress(customers + index, n)
