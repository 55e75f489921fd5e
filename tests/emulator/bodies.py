"""Minimal valid create bodies for every catalogue entity, and how to change each one.

``World`` reads the objects a new company already has (accounts, terms, payment methods)
and creates, through the API, the few objects other bodies point at (a customer, a vendor,
an employee, items, a bill). ``CREATE`` maps each entity that allows create to a function
of the world returning its minimal body; ``CHANGE`` gives a writable field and a new value
for the update round trip.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from qbo.emulator.store.session import Realm
from tests.conftest import Api

Body = dict[str, Any]


def ref(value: str) -> dict[str, str]:
    return {"value": value}


@dataclass
class World:
    """Ids of the objects a minimal body refers to, in one realm."""

    api: Api
    accounts: dict[str, str] = field(default_factory=dict)
    terms: dict[str, str] = field(default_factory=dict)
    payment_methods: dict[str, str] = field(default_factory=dict)
    made: dict[str, str] = field(default_factory=dict)

    @classmethod
    async def load(cls, api: Api) -> World:
        """Read the seeded lists through a domain session (fast, no HTTP)."""
        world = cls(api)
        realm = api.emulator.realms.get(api.realm)
        assert isinstance(realm, Realm)
        with api.emulator.realms.session(realm, write=False) as s:
            world.accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
            world.terms = {t["Name"]: t["Id"] for t in s.all("Term")}
            world.payment_methods = {p["Name"]: p["Id"] for p in s.all("PaymentMethod")}
        return world

    def account(self, name: str) -> dict[str, str]:
        return ref(self.accounts[name])

    async def _made(self, entity: str, prop: str, body: Body) -> dict[str, str]:
        """The world's ``entity`` whose ``prop`` is ``body[prop]``: found, or created once."""
        key = f"{entity}:{body[prop]}"
        if key not in self.made:
            realm = self.api.emulator.realms.get(self.api.realm)
            assert isinstance(realm, Realm)
            with self.api.emulator.realms.session(realm, write=False) as s:
                found = s.find(entity, prop, body[prop], limit=1)
            if found:
                self.made[key] = found[0]["Id"]
            else:
                self.made[key] = (await self.api.create(entity, body))["Id"]
        return ref(self.made[key])

    async def customer(self) -> dict[str, str]:
        return await self._made("Customer", "DisplayName", {"DisplayName": "World Customer"})

    async def vendor(self) -> dict[str, str]:
        return await self._made("Vendor", "DisplayName", {"DisplayName": "World Vendor"})

    async def employee(self) -> dict[str, str]:
        return await self._made("Employee", "DisplayName", {"DisplayName": "Wanda World"})

    async def service(self) -> dict[str, str]:
        return await self._made(
            "Item",
            "Name",
            {
                "Name": "World Service",
                "Type": "Service",
                "UnitPrice": 25,
                "IncomeAccountRef": self.account("Services"),
            },
        )

    async def inventory(self) -> dict[str, str]:
        return await self._made(
            "Item",
            "Name",
            {
                "Name": "World Widget",
                "Type": "Inventory",
                "TrackQtyOnHand": True,
                "QtyOnHand": 10,
                "InvStartDate": "2025-01-01",
                "UnitPrice": 5,
                "IncomeAccountRef": self.account("Sales of Product Income"),
                "ExpenseAccountRef": self.account("Cost of Goods Sold"),
                "AssetAccountRef": self.account("Inventory Asset"),
            },
        )

    async def bill(self) -> dict[str, str]:
        return await self._made(
            "Bill",
            "DocNumber",
            {
                "DocNumber": "WORLD-1",
                "VendorRef": await self.vendor(),
                "Line": [self.expense_line(40)],
            },
        )

    async def sales_line(self, amount: int = 50) -> Body:
        return {
            "Amount": amount,
            "DetailType": "SalesItemLineDetail",
            "SalesItemLineDetail": {
                "ItemRef": await self.service(),
                "Qty": 2,
                "UnitPrice": amount / 2,
            },
        }

    def expense_line(self, amount: int = 30) -> Body:
        return {
            "Amount": amount,
            "DetailType": "AccountBasedExpenseLineDetail",
            "AccountBasedExpenseLineDetail": {"AccountRef": self.account("Office Expenses")},
        }

    async def body(self, entity: str) -> Body:
        return await CREATE[entity](self)


async def _invoice_like(w: World) -> Body:
    return {"CustomerRef": await w.customer(), "Line": [await w.sales_line()]}


async def _sales_receipt(w: World) -> Body:
    return {"Line": [await w.sales_line()]}


async def _refund_receipt(w: World) -> Body:
    return {"Line": [await w.sales_line()], "DepositToAccountRef": w.account("Checking")}


async def _payment(w: World) -> Body:
    return {"CustomerRef": await w.customer(), "TotalAmt": 75}


async def _vendor_form(w: World) -> Body:
    return {"VendorRef": await w.vendor(), "Line": [w.expense_line()]}


async def _bill_payment(w: World) -> Body:
    return {
        "VendorRef": await w.vendor(),
        "PayType": "Check",
        "CheckPayment": {"BankAccountRef": w.account("Checking")},
        "TotalAmt": 40,
        "Line": [
            {"Amount": 40, "LinkedTxn": [{"TxnId": (await w.bill())["value"], "TxnType": "Bill"}]}
        ],
    }


async def _purchase(w: World) -> Body:
    return {"AccountRef": w.account("Checking"), "PaymentType": "Cash", "Line": [w.expense_line()]}


async def _deposit(w: World) -> Body:
    return {
        "DepositToAccountRef": w.account("Checking"),
        "Line": [
            {
                "Amount": 20,
                "DetailType": "DepositLineDetail",
                "DepositLineDetail": {"AccountRef": w.account("Owner's Investment")},
            }
        ],
    }


async def _transfer(w: World) -> Body:
    return {
        "FromAccountRef": w.account("Checking"),
        "ToAccountRef": w.account("Savings"),
        "Amount": 100,
    }


async def _journal_entry(w: World) -> Body:
    def line(posting: str, account: str) -> Body:
        return {
            "Amount": 60,
            "DetailType": "JournalEntryLineDetail",
            "JournalEntryLineDetail": {"PostingType": posting, "AccountRef": w.account(account)},
        }

    return {"Line": [line("Debit", "Office Expenses"), line("Credit", "Checking")]}


async def _credit_card_payment(w: World) -> Body:
    return {
        "CreditCardAccountRef": w.account("Mastercard"),
        "BankAccountRef": w.account("Checking"),
        "Amount": 50,
    }


async def _inventory_adjustment(w: World) -> Body:
    return {
        "AdjustAccountRef": w.account("Cost of Goods Sold"),
        "Line": [
            {
                "DetailType": "ItemAdjustmentLineDetail",
                "ItemAdjustmentLineDetail": {"ItemRef": await w.inventory(), "QtyDiff": 2},
            }
        ],
    }


async def _time_activity(w: World) -> Body:
    return {"NameOf": "Employee", "EmployeeRef": await w.employee(), "Hours": 2, "Minutes": 30}


async def _recurring(w: World) -> Body:
    invoice = await _invoice_like(w)
    invoice["RecurringInfo"] = {
        "Name": "Monthly retainer",
        "RecurType": "Automated",
        "Active": True,
        "ScheduleInfo": {"IntervalType": "Monthly", "NumInterval": 1, "DayOfMonth": 1},
    }
    return {"Invoice": invoice}


def _const(body: Body) -> Callable[[World], Awaitable[Body]]:
    async def make(w: World) -> Body:
        return dict(body)

    return make


async def _account(w: World) -> Body:
    return {"Name": "Petty Cash", "AccountType": "Bank"}


async def _item(w: World) -> Body:
    return {"Name": "Gardening", "Type": "Service", "IncomeAccountRef": w.account("Services")}


#: Entity -> its minimal valid create body (every entity whose create is POST /{path}).
CREATE: dict[str, Callable[[World], Awaitable[Body]]] = {
    "Account": _account,
    "Class": _const({"Name": "East"}),
    "Department": _const({"Name": "Downtown"}),
    "Customer": _const({"DisplayName": "Round Trip Ltd"}),
    "Vendor": _const({"DisplayName": "Round Trip Supplies"}),
    "Employee": _const({"GivenName": "Rita", "FamilyName": "Round"}),
    "Item": _item,
    "PaymentMethod": _const({"Name": "Bitcoin"}),
    "Term": _const({"Name": "Net 45", "DueDays": 45}),
    "CompanyCurrency": _const({"Code": "EUR"}),
    "TaxAgency": _const({"DisplayName": "State Board of Equalization"}),
    "JournalCode": _const({"Name": "VT", "Type": "Sales"}),
    "Invoice": _invoice_like,
    "Estimate": _invoice_like,
    "CreditMemo": _invoice_like,
    "SalesReceipt": _sales_receipt,
    "RefundReceipt": _refund_receipt,
    "Payment": _payment,
    "Bill": _vendor_form,
    "VendorCredit": _vendor_form,
    "PurchaseOrder": _vendor_form,
    "BillPayment": _bill_payment,
    "Purchase": _purchase,
    "Deposit": _deposit,
    "Transfer": _transfer,
    "JournalEntry": _journal_entry,
    "CreditCardPaymentTxn": _credit_card_payment,
    "InventoryAdjustment": _inventory_adjustment,
    "TimeActivity": _time_activity,
    "RecurringTransaction": _recurring,
    "Attachable": _const({"Note": "Signed contract on file"}),
    "Budget": _const(
        {
            "Name": "FY2026",
            "StartDate": "2026-01-01",
            "EndDate": "2026-12-31",
            "BudgetType": "ProfitAndLoss",
            "BudgetEntryType": "Monthly",
        }
    ),
}

#: Entity -> (property, new value) a round trip changes (top-level, writable, read back as is).
CHANGE: dict[str, tuple[str, Any]] = {
    "Account": ("Description", "Cash in the drawer"),
    "Class": ("Name", "West"),
    "Department": ("Name", "Uptown"),
    "Customer": ("CompanyName", "Round Trip Holdings"),
    "Vendor": ("CompanyName", "Round Trip Wholesale"),
    "Employee": ("PrimaryPhone", {"FreeFormNumber": "(555) 555-0100"}),
    "Item": ("Description", "Weeding and mowing"),
    "PaymentMethod": ("Name", "Crypto"),
    "Term": ("Name", "Net 50"),
    "CompanyCurrency": ("Active", False),
    "JournalCode": ("Description", "Ventes"),
    "Invoice": ("PrivateNote", "Call before delivery"),
    "Estimate": ("PrivateNote", "Valid for 30 days"),
    "CreditMemo": ("PrivateNote", "Damaged goods"),
    "SalesReceipt": ("PrivateNote", "Paid at the counter"),
    "RefundReceipt": ("PrivateNote", "Returned"),
    "Payment": ("PrivateNote", "Cheque 1234"),
    "Bill": ("PrivateNote", "Quarterly"),
    "VendorCredit": ("PrivateNote", "Overcharge"),
    "PurchaseOrder": ("PrivateNote", "Rush"),
    "BillPayment": ("PrivateNote", "Sent by mail"),
    "Purchase": ("PrivateNote", "Stationery"),
    "Deposit": ("PrivateNote", "Owner top-up"),
    "Transfer": ("PrivateNote", "Monthly sweep"),
    "JournalEntry": ("PrivateNote", "Reclass"),
    "CreditCardPaymentTxn": ("PrivateNote", "Autopay"),
    "InventoryAdjustment": ("PrivateNote", "Stock count"),
    "TimeActivity": ("Description", "Pruning"),
    "Attachable": ("Note", "Countersigned contract on file"),
    "Budget": ("Name", "FY2026 revised"),
}
