"""A believable small business: a landscaping and garden supply company with a year of books.

Deterministic: the same clock date gives the same objects, ids and amounts. Everything is
created through the domain's CRUD path, so once the ledger rules exist the demo books are
consistent with them automatically.
"""

from __future__ import annotations

import random
from datetime import timedelta
from decimal import Decimal
from typing import Any

from qbo.emulator.seeds.empty import create
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import local_date

FIRST = (
    "Amy",
    "Bill",
    "Carla",
    "Dylan",
    "Erin",
    "Frank",
    "Grace",
    "Hector",
    "Ines",
    "Jon",
    "Kumar",
    "Lena",
    "Mateo",
    "Nina",
    "Omar",
)
LAST = (
    "Alvarez",
    "Bryant",
    "Chen",
    "Dubois",
    "Evans",
    "Fischer",
    "Garcia",
    "Hughes",
    "Ito",
    "Jensen",
    "Khan",
    "Larsen",
    "Moreau",
)
COMPANIES = (
    "Cool Cars",
    "Diego's Road Warrior Bodyshop",
    "Dukes Basketball Camp",
    "Freeman Sporting Goods",
    "Geeta Kalapatapu",
    "Jeff's Jalopies",
    "John Melton",
    "Kate Whelan",
    "Mark Cho",
    "Paulsen Medical Supplies",
    "Red Rock Diner",
    "Rondonuwu Fruit and Vegi",
    "Shara Barnett",
    "Sonnenschein Family Store",
    "Sushi by Katsuyuki",
    "Travis Waldron",
    "Video Games by Dan",
    "Wedding Planning by Whitney",
    "Weiskopf Consulting",
    "Acme Landscaping",
    "Bayside Bakery",
    "Cedar Dental",
    "Harbor View Apartments",
    "Northwind Traders",
    "Oakridge School",
)
VENDORS = (
    "Brosnahan Insurance Agency",
    "Cal Telephone",
    "Chin's Gas and Oil",
    "Cigna Health Care",
    "Computers by Jenni",
    "Diego's Road Warrior Bodyshop Supply",
    "EDD",
    "Ellis Equipment Rental",
    "Fidelity",
    "Hall Properties",
    "Hicks Hardware",
    "Lee Advertising",
    "Mahoney Mugs",
    "Met Life Dental",
    "National Eye Care",
    "Norton Lumber and Building Materials",
    "PG&E",
    "Robertson & Associates",
    "Squeaky Kleen Car Wash",
    "Tania's Nursery",
)
SERVICES = (
    ("Design", "75"),
    ("Gardening", "25"),
    ("Installation", "50"),
    ("Maintenance & Repair", "35"),
    ("Trimming", "35"),
    ("Pest Control", "35"),
    ("Hours", "15"),
)
INVENTORY = (
    ("Rock Fountain", "275", "125", 2),
    ("Pump", "15", "10", 25),
    ("Sprinkler Heads", "2", "0.75", 25),
    ("Sprinkler Pipes", "4", "2.5", 31),
)
NON_INVENTORY = (("Sod", "10"), ("Soil", "10"), ("Rocks", "12"), ("Garden Supplies", "8"))


def _money(rng: random.Random, low: int, high: int) -> Decimal:
    return Decimal(rng.randint(low * 100, high * 100)) / 100


def seed_demo(s: Session) -> None:
    rng = random.Random(20261126)
    today = local_date(s.now, s.realm.timezone)
    year_ago = today - timedelta(days=365)
    accounts = {a["Name"]: a["Id"] for a in s.all("Account")}
    terms = {t["Name"]: t["Id"] for t in s.all("Term")}

    def ref(name: str) -> dict[str, str]:
        return {"value": accounts[name]}

    def day(offset: int) -> str:
        return (year_ago + timedelta(days=offset)).isoformat()

    customers: list[dict[str, Any]] = []
    for index, company in enumerate(COMPANIES):
        given, family = FIRST[index % len(FIRST)], LAST[index % len(LAST)]
        slug = company.lower().replace(" ", "").replace("'", "").replace("&", "and")[:20]
        body: dict[str, Any] = {
            "DisplayName": company,
            "CompanyName": company,
            "GivenName": given,
            "FamilyName": family,
            "PrimaryEmailAddr": {"Address": f"{given.lower()}@{slug}.example"},
            "PrimaryPhone": {"FreeFormNumber": f"(650) 555-{1000 + index * 37:04d}"},
            "BillAddr": {
                "Line1": f"{100 + index * 7} Oak Street",
                "City": "Bayshore",
                "CountrySubDivisionCode": "CA",
                "PostalCode": f"94{300 + index:03d}",
            },
        }
        if index % 3 == 0:
            body["SalesTermRef"] = {"value": terms["Net 15"]}
        customers.append(create(s, "Customer", body))
    for parent_index, job in (
        (0, "Garage remodel"),
        (4, "Front yard"),
        (4, "Back yard"),
        (9, "Clinic garden"),
    ):
        parent = customers[parent_index]
        customers.append(
            create(
                s,
                "Customer",
                {
                    "DisplayName": job
                    if job != "Front yard"
                    else f"{job} ({parent['DisplayName']})",
                    "ParentRef": {"value": parent["Id"]},
                    "Job": True,
                    "BillWithParent": True,
                },
            )
        )

    vendors = [
        create(
            s,
            "Vendor",
            {
                "DisplayName": name,
                "CompanyName": name,
                "PrimaryEmailAddr": {"Address": f"billing{i}@vendor.example"},
                "TermRef": {"value": terms["Net 30"]},
            },
        )
        for i, name in enumerate(VENDORS)
    ]

    items: list[dict[str, Any]] = []
    for name, price in SERVICES:
        items.append(
            create(
                s,
                "Item",
                {
                    "Name": name,
                    "Type": "Service",
                    "UnitPrice": price,
                    "IncomeAccountRef": ref("Services"),
                    "Taxable": False,
                },
            )
        )
    for name, price, cost, qty in INVENTORY:
        items.append(
            create(
                s,
                "Item",
                {
                    "Name": name,
                    "Type": "Inventory",
                    "UnitPrice": price,
                    "PurchaseCost": cost,
                    "IncomeAccountRef": ref("Sales of Product Income"),
                    "ExpenseAccountRef": ref("Cost of Goods Sold"),
                    "AssetAccountRef": ref("Inventory Asset"),
                    "TrackQtyOnHand": True,
                    "QtyOnHand": qty,
                    "InvStartDate": year_ago.isoformat(),
                    "Taxable": True,
                },
            )
        )
    for name, price in NON_INVENTORY:
        items.append(
            create(
                s,
                "Item",
                {
                    "Name": name,
                    "Type": "NonInventory",
                    "UnitPrice": price,
                    "IncomeAccountRef": ref("Sales of Product Income"),
                    "Taxable": True,
                },
            )
        )
    create(s, "Item", {"Name": "Landscaping", "Type": "Category"})
    sellable = [i for i in items if i["Type"] in ("Service", "NonInventory")]

    def sales_lines(count: int) -> list[dict[str, Any]]:
        out = []
        for _ in range(count):
            item = rng.choice(sellable)
            qty = rng.randint(1, 12)
            out.append(
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": str(Decimal(item["UnitPrice"]) * qty),
                    "Description": item["Name"],
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": item["Id"]},
                        "Qty": qty,
                        "UnitPrice": str(item["UnitPrice"]),
                        "TaxCodeRef": {"value": "NON"},
                    },
                }
            )
        return out

    billable = [c for c in customers if not c.get("Job")]
    for n in range(60):
        customer = rng.choice(customers)
        invoice = create(
            s,
            "Invoice",
            {
                "CustomerRef": {"value": customer["Id"]},
                "TxnDate": day(n * 6),
                "Line": sales_lines(rng.randint(1, 4)),
            },
        )
        if n % 3 != 2:
            amount = (
                invoice["TotalAmt"]
                if n % 3 == 0
                else (Decimal(invoice["TotalAmt"]) / 2).quantize(Decimal("0.01"))
            )
            create(
                s,
                "Payment",
                {
                    "CustomerRef": {"value": customer["Id"]},
                    "TotalAmt": str(amount),
                    "TxnDate": day(min(n * 6 + 10, 364)),
                    "DepositToAccountRef": ref("Undeposited Funds"),
                    "Line": [
                        {
                            "Amount": str(amount),
                            "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}],
                        }
                    ],
                },
            )
    for n in range(12):
        customer = rng.choice(billable)
        create(
            s,
            "Estimate",
            {
                "CustomerRef": {"value": customer["Id"]},
                "TxnDate": day(n * 30 + 3),
                "Line": sales_lines(rng.randint(1, 3)),
            },
        )
        create(
            s,
            "SalesReceipt",
            {
                "CustomerRef": {"value": rng.choice(billable)["Id"]},
                "TxnDate": day(n * 30 + 5),
                "Line": sales_lines(1),
                "DepositToAccountRef": ref("Undeposited Funds"),
            },
        )
    expense_accounts = (
        "Rent or Lease",
        "Utilities",
        "Supplies",
        "Advertising",
        "Insurance",
        "Office Expenses",
    )
    for n in range(36):
        vendor = vendors[n % len(vendors)]
        amount = _money(rng, 40, 900)
        create(
            s,
            "Bill",
            {
                "VendorRef": {"value": vendor["Id"]},
                "TxnDate": day(n * 10),
                "Line": [
                    {
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "Amount": str(amount),
                        "AccountBasedExpenseLineDetail": {
                            "AccountRef": ref(rng.choice(expense_accounts))
                        },
                    }
                ],
            },
        )
    for n in range(30):
        payment_type, account = rng.choice(
            (("Cash", "Checking"), ("Check", "Checking"), ("CreditCard", "Mastercard"))
        )
        create(
            s,
            "Purchase",
            {
                "PaymentType": payment_type,
                "AccountRef": ref(account),
                "EntityRef": {"value": rng.choice(vendors)["Id"], "type": "Vendor"},
                "TxnDate": day(n * 12 + 1),
                "Line": [
                    {
                        "DetailType": "AccountBasedExpenseLineDetail",
                        "Amount": str(_money(rng, 10, 400)),
                        "AccountBasedExpenseLineDetail": {
                            "AccountRef": ref(rng.choice(expense_accounts))
                        },
                    }
                ],
            },
        )
    for n in range(12):
        amount = _money(rng, 500, 3000)
        create(
            s,
            "Deposit",
            {
                "DepositToAccountRef": ref("Checking"),
                "TxnDate": day(n * 30 + 28),
                "Line": [
                    {
                        "DetailType": "DepositLineDetail",
                        "Amount": str(amount),
                        "DepositLineDetail": {"AccountRef": ref("Services")},
                    }
                ],
            },
        )
    for n in range(4):
        amount = str(_money(rng, 100, 1500))
        create(
            s,
            "JournalEntry",
            {
                "TxnDate": day(n * 90 + 45),
                "PrivateNote": "Quarterly depreciation" if n % 2 == 0 else "Owner contribution",
                "Line": [
                    {
                        "DetailType": "JournalEntryLineDetail",
                        "Amount": amount,
                        "JournalEntryLineDetail": {
                            "PostingType": "Debit",
                            "AccountRef": ref("Miscellaneous" if n % 2 == 0 else "Checking"),
                        },
                    },
                    {
                        "DetailType": "JournalEntryLineDetail",
                        "Amount": amount,
                        "JournalEntryLineDetail": {
                            "PostingType": "Credit",
                            "AccountRef": ref(
                                "Furniture and Equipment" if n % 2 == 0 else "Owner's Investment"
                            ),
                        },
                    },
                ],
            },
        )
