"""Objects the client tests need in a fresh company, made through the client itself."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from qbo.client import AsyncClient
from qbo.emulator import Emulator
from qbo.emulator.seeds.empty import create as seed_create
from qbo.query import col
from qbo.schema.models import (
    Account,
    Customer,
    Invoice,
    Item,
    Line,
    ReferenceType,
    SalesItemLineDetail,
)


def ref(value: str | None) -> ReferenceType:
    assert value is not None
    return ReferenceType(value=value)


async def account(qb: AsyncClient, account_type: str) -> Account:
    found = await qb.accounts.first(col("AccountType") == account_type)
    assert found is not None, account_type
    return found


async def service_item(qb: AsyncClient, name: str = "Consulting", taxable: bool = False) -> Item:
    income = await account(qb, "Income")
    return await qb.items.create(
        Item(Name=name, Type="Service", IncomeAccountRef=ref(income.Id), Taxable=taxable)
    )


def sales_line(item: Item, qty: int | str, price: str, tax: bool = False) -> Line:
    amount = Decimal(qty) * Decimal(price)
    return Line(
        Amount=amount,
        DetailType="SalesItemLineDetail",
        SalesItemLineDetail=SalesItemLineDetail(
            ItemRef=ref(item.Id),
            Qty=Decimal(qty),
            UnitPrice=Decimal(price),
            TaxCodeRef=ReferenceType(value="TAX" if tax else "NON"),
        ),
    )


async def invoice(
    qb: AsyncClient, customer: Customer, item: Item, lines: Sequence[tuple[int, str]], **extra: Any
) -> Invoice:
    return await qb.invoices.create(
        Invoice(
            CustomerRef=ref(customer.Id),
            Line=[sales_line(item, qty, price) for qty, price in lines],
            **extra,
        )
    )


def seed_names(
    emulator: Emulator, realm_id: str, counts: dict[str, int], prefix: str = "Bulk"
) -> None:
    """Create name-list objects straight through the emulator's domain, in one transaction
    (fast, and they all share one LastUpdatedTime)."""
    realm = emulator.realms.get(realm_id)
    assert realm is not None
    with emulator.realms.session(realm, write=True) as s:
        for entity, count in counts.items():
            for n in range(count):
                seed_create(s, entity, {"DisplayName": f"{prefix} {entity} {n:05d}"})


def seed_customers(emulator: Emulator, realm_id: str, count: int, prefix: str = "Bulk") -> None:
    """``count`` customers named ``{prefix} {n:05d}``, in one transaction."""
    realm = emulator.realms.get(realm_id)
    assert realm is not None
    with emulator.realms.session(realm, write=True) as s:
        for n in range(count):
            seed_create(s, "Customer", {"DisplayName": f"{prefix} {n:05d}"})
