"""A company to mirror: objects of many entity types, and what each can undergo.

Everything is made through the client over HTTP, as an integration would; merges go
through the emulator's control plane (QBO merges only in its own UI).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest

from qbo.client import AsyncClient
from qbo.client.errors import InvalidReferenceError
from qbo.query import col
from qbo.schema import jsoncodec

_names = itertools.count(1)

NAME_LISTS = ("Customer", "Vendor", "Employee", "Class", "Department", "Item")
TRANSACTIONS = ("Invoice", "Bill", "Estimate", "SalesReceipt", "JournalEntry")
VOIDABLE = ("Invoice", "SalesReceipt")
MERGEABLE = ("Customer", "Vendor")


def _resource(qb: AsyncClient, entity: str) -> Any:
    names = {
        "Customer": "customers",
        "Vendor": "vendors",
        "Employee": "employees",
        "Class": "classes",
        "Department": "departments",
        "Item": "items",
        "Invoice": "invoices",
        "Bill": "bills",
        "Estimate": "estimates",
        "SalesReceipt": "sales_receipts",
        "JournalEntry": "journal_entries",
        "Account": "accounts",
    }
    return getattr(qb, names[entity])


def ref(value: str) -> dict[str, str]:
    return {"value": value}


@dataclass
class World:
    """Ids this test made, by entity, and what it removed (for tombstone checks).

    Deleting a name makes it inactive, as in QBO; an inactive name can no longer be
    referred to, so an update of a transaction naming one is refused with fault 2500.
    The world knows which names each transaction refers to, so it expects that refusal
    instead of taking it for a failure, and never picks an inactive name for a new one.
    """

    qb: AsyncClient
    control: httpx.AsyncClient
    made: dict[str, list[str]] = field(default_factory=dict)
    removed: set[tuple[str, str]] = field(default_factory=set)
    inactive: set[tuple[str, str]] = field(default_factory=set)
    uses: dict[tuple[str, str], set[tuple[str, str]]] = field(default_factory=dict)
    _accounts: dict[str, str] = field(default_factory=dict)
    _using: set[tuple[str, str]] = field(default_factory=set)

    async def account(self, account_type: str) -> str:
        if account_type not in self._accounts:
            found = await self.qb.accounts.first(col("AccountType") == account_type)
            assert found is not None and found.Id is not None, account_type
            self._accounts[account_type] = found.Id
        return self._accounts[account_type]

    def ids(self, entity: str) -> list[str]:
        return self.made.get(entity, [])

    async def _need(self, entity: str) -> str:
        """An active object of ``entity``, made first when there is none."""
        live = [i for i in self.ids(entity) if (entity, i) not in self.inactive]
        found = live[0] if live else await self.create(entity)
        self._using.add((entity, found))
        return found

    def refers_to_inactive(self, entity: str, object_id: str) -> bool:
        return bool(self.uses.get((entity, object_id), set()) & self.inactive)

    async def _update(self, entity: str, object_id: str, write: Any) -> None:
        """Run an update; expect fault 2500 when the object names an inactive name."""
        if self.refers_to_inactive(entity, object_id):
            with pytest.raises(InvalidReferenceError):
                await write
        else:
            await write

    async def body(self, entity: str) -> dict[str, Any]:
        n = next(_names)
        if entity in ("Customer", "Vendor", "Employee"):
            return {"DisplayName": f"{entity} {n}"}
        if entity in ("Class", "Department"):
            return {"Name": f"{entity} {n}"}
        if entity == "Item":
            income = await self.account("Income")
            return {"Name": f"Item {n}", "Type": "Service", "IncomeAccountRef": ref(income)}
        item = await self._need("Item")
        line = {
            "Amount": Decimal("10.00"),
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {"ItemRef": ref(item), "Qty": 1, "UnitPrice": 10},
        }
        if entity in ("Invoice", "Estimate"):
            return {"CustomerRef": ref(await self._need("Customer")), "Line": [line]}
        if entity == "SalesReceipt":
            return {"Line": [line]}
        if entity == "Bill":
            expense = await self.account("Expense")
            return {
                "VendorRef": ref(await self._need("Vendor")),
                "Line": [
                    {
                        "Amount": Decimal("25.50"),
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "AccountBasedExpenseLineDetail": {"AccountRef": ref(expense)},
                    }
                ],
            }
        if entity == "JournalEntry":
            expense = await self.account("Expense")
            bank = await self.account("Bank")
            return {
                "Line": [
                    {
                        "Amount": Decimal("5.00"),
                        "DetailType": "JournalEntryLineDetail",
                        "JournalEntryLineDetail": {"PostingType": p, "AccountRef": ref(a)},
                    }
                    for p, a in (("Debit", expense), ("Credit", bank))
                ]
            }
        raise AssertionError(entity)

    async def create(self, entity: str) -> str:
        outer, self._using = self._using, set()  # a body may create the names it needs
        body = await self.body(entity)
        uses, self._using = self._using, outer
        made = await _resource(self.qb, entity).create(body)
        self.made.setdefault(entity, []).append(made.Id)
        self.uses[(entity, str(made.Id))] = uses
        return str(made.Id)

    async def sparse_update(self, entity: str, object_id: str) -> None:
        current = await _resource(self.qb, entity).get(object_id)
        field_name = "PrivateNote" if entity in TRANSACTIONS else "Active"
        if field_name == "Active":
            value: Any = not bool(current.Active)
            if entity == "Item" or entity in ("Class", "Department"):
                field_name, value = "Name", f"{entity} {next(_names)}"
            elif entity in ("Customer", "Vendor", "Employee"):
                field_name, value = "DisplayName", f"{entity} {next(_names)}"
        else:
            value = f"note {next(_names)}"
        await self._update(
            entity,
            object_id,
            _resource(self.qb, entity).sparse_update(
                object_id, str(current.SyncToken), **{field_name: value}
            ),
        )

    async def full_update(self, entity: str, object_id: str) -> None:
        current = await _resource(self.qb, entity).get(object_id)
        data = current.to_qbo()
        data.pop("MetaData", None)
        if entity in TRANSACTIONS:
            data["PrivateNote"] = f"full {next(_names)}"
        elif "DisplayName" in data:
            data["DisplayName"] = f"{entity} {next(_names)}"
        else:
            data["Name"] = f"{entity} {next(_names)}"
        await self._update(entity, object_id, _resource(self.qb, entity).update(data))

    async def remove(self, entity: str, object_id: str) -> None:
        """Delete a transaction; make a name inactive (QBO's delete for lists)."""
        if entity in TRANSACTIONS:
            current = await _resource(self.qb, entity).get(object_id)
            await _resource(self.qb, entity).delete(current)
            self.made[entity].remove(object_id)
            self.removed.add((entity, object_id))
        else:
            current = await _resource(self.qb, entity).get(object_id)
            if current.Active is not False:
                await _resource(self.qb, entity).deactivate(current)
            self.inactive.add((entity, object_id))

    async def void(self, entity: str, object_id: str) -> None:
        current = await _resource(self.qb, entity).get(object_id)
        await _resource(self.qb, entity).void(current)

    async def merge(self, entity: str, from_id: str, into_id: str) -> None:
        response = await self.control.post(
            f"/_emulator/realms/{self.qb.realm_id}/merge",
            content=jsoncodec.dumps({"entity": entity, "from": from_id, "into": into_id}),
        )
        assert response.status_code == 200, response.text
        self.made[entity].remove(from_id)
        self.removed.add((entity, from_id))
        for names in self.uses.values():  # the merge moved the transactions to `into`
            if (entity, from_id) in names:
                names.discard((entity, from_id))
                names.add((entity, into_id))
