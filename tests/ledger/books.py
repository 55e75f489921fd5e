"""Driving the emulator's domain layer directly (no HTTP): fast enough for property tests.

Each call runs in its own write transaction, as one API request would, so a fault rolls
back exactly what a request would.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select

from qbo.emulator import Emulator, EmulatorConfig
from qbo.emulator.domain import crud
from qbo.emulator.store.session import Realm
from qbo.schema import catalogue
from qbo.schema.faults import Fault


@dataclass
class Books:
    emulator: Emulator
    realm: Realm

    @classmethod
    def open(cls, emulator: Emulator | None = None, seed: str = "empty") -> Books:
        emu = emulator or Emulator.open(EmulatorConfig(db=":memory:", seed="empty"))
        return cls(emu, emu.realms.create(seed))

    def session(self, write: bool = True) -> Any:
        return self.emulator.realms.session(self.realm, write=write)

    def create(self, entity: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.session() as s:
            return crud.create(s, catalogue().entity(entity), body)

    def read(self, entity: str, object_id: str) -> dict[str, Any]:
        with self.session(write=False) as s:
            return crud.read(s, catalogue().entity(entity), object_id)

    def update(self, entity: str, body: dict[str, Any], sparse: bool = True) -> dict[str, Any]:
        with self.session() as s:
            return crud.update(s, catalogue().entity(entity), body, sparse=sparse)

    def delete(self, entity: str, object_id: str) -> dict[str, Any]:
        doc = self.read(entity, object_id)
        with self.session() as s:
            return crud.delete(
                s, catalogue().entity(entity), {"Id": object_id, "SyncToken": doc["SyncToken"]}
            )

    def void(self, entity: str, object_id: str) -> dict[str, Any]:
        doc = self.read(entity, object_id)
        with self.session() as s:
            return crud.void(
                s, catalogue().entity(entity), {"Id": object_id, "SyncToken": doc["SyncToken"]}
            )

    def fault(self, call: Any, *args: Any, **kwargs: Any) -> Fault:
        try:
            call(*args, **kwargs)
        except Fault as fault:
            return fault
        raise AssertionError("expected a fault")

    def all(self, entity: str) -> list[dict[str, Any]]:
        with self.session(write=False) as s:
            return s.all(entity)

    def account(self, name: str) -> dict[str, Any]:
        return next(a for a in self.all("Account") if a["Name"] == name)

    def account_ref(self, name: str) -> dict[str, str]:
        return {"value": self.account(name)["Id"]}

    def balance(self, name: str) -> Decimal:
        return Decimal(str(self.account(name)["CurrentBalance"]))

    def ledger_rows(self) -> list[dict[str, Any]]:
        with self.session(write=False) as s:
            t = s.store.tables.ledger
            return [
                dict(r)
                for r in s.conn.execute(
                    select(t).where(t.c.realm_id == s.realm.realm_id)
                ).mappings()
            ]

    def ledger_total(self) -> int:
        with self.session(write=False) as s:
            t = s.store.tables.ledger
            return int(
                s.conn.execute(
                    select(func.coalesce(func.sum(t.c.amount), 0)).where(
                        t.c.realm_id == s.realm.realm_id
                    )
                ).scalar_one()
            )


def line(
    amount: object,
    item: str | None = None,
    qty: object = None,
    price: object = None,
    tax: str | None = None,
) -> dict[str, Any]:
    """A sales line."""
    detail: dict[str, Any] = {}
    if item is not None:
        detail["ItemRef"] = {"value": item}
    if qty is not None:
        detail["Qty"] = qty
    if price is not None:
        detail["UnitPrice"] = price
    if tax is not None:
        detail["TaxCodeRef"] = {"value": tax}
    return {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail}


def expense(amount: object, account: dict[str, str]) -> dict[str, Any]:
    return {
        "DetailType": "AccountBasedExpenseLineDetail",
        "Amount": amount,
        "AccountBasedExpenseLineDetail": {"AccountRef": account},
    }


def applied(amount: object, kind: str, txn_id: str) -> dict[str, Any]:
    return {"Amount": amount, "LinkedTxn": [{"TxnId": txn_id, "TxnType": kind}]}


class Company:
    """A small company on top of :class:`Books`: a customer, a vendor and a service item."""

    def __init__(self, books: Books) -> None:
        self.b = books
        self.customer = books.create("Customer", {"DisplayName": "Acme Corp"})["Id"]
        self.vendor = books.create("Vendor", {"DisplayName": "Office Landlord"})["Id"]
        self.item = books.create(
            "Item",
            {
                "Name": "Consulting",
                "Type": "Service",
                "UnitPrice": 100,
                "IncomeAccountRef": books.account_ref("Services"),
            },
        )["Id"]

    def invoice(
        self, *amounts: object, customer: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "CustomerRef": {"value": customer or self.customer},
            "Line": [line(a, self.item) for a in amounts],
            **extra,
        }
        return self.b.create("Invoice", body)

    def payment(
        self, total: object, *lines: dict[str, Any], customer: str | None = None, **extra: Any
    ) -> dict[str, Any]:
        body = {
            "CustomerRef": {"value": customer or self.customer},
            "TotalAmt": total,
            "Line": list(lines),
            **extra,
        }
        return self.b.create("Payment", body)

    def customer_balance(self, customer: str | None = None) -> Decimal:
        return Decimal(str(self.b.read("Customer", customer or self.customer)["Balance"]))

    def vendor_balance(self) -> Decimal:
        return Decimal(str(self.b.read("Vendor", self.vendor)["Balance"]))
