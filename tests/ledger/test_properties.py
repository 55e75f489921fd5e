"""Property tests over random transaction histories, driven through the domain layer.

Whatever happens — invoices, payments (partial, several invoices, over), credit memos,
bills and bill payments, purchases, deposits, journal entries, transfers, deletes and
voids, some of them refused — the books stay consistent: every transaction balances, the
trial balance and the balance sheet balance, open items equal the control accounts and
the name balances, every report total is the sum of its rows, and deleting everything
brings every balance back to zero.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo.emulator import Emulator
from qbo.schema.faults import Fault
from tests.ledger.books import Books, applied, expense, line
from tests.reports.checks import check_totals, group, run, summary

D = Decimal
OPS = (
    "invoice",
    "payment",
    "overpay",
    "credit",
    "receipt",
    "bill",
    "billpay",
    "purchase",
    "deposit",
    "journal",
    "transfer",
    "delete",
    "void",
    "update",
)
op = st.tuples(
    st.sampled_from(OPS), st.integers(0, 50), st.integers(1, 40_000), st.integers(0, 300)
)


class History:
    """Applies random operations to a company, ignoring the ones the rules refuse."""

    def __init__(self, books: Books) -> None:
        self.b = books
        self.customers = [
            books.create("Customer", {"DisplayName": f"C{i}"})["Id"] for i in range(3)
        ]
        self.customers.append(
            books.create(
                "Customer", {"DisplayName": "C0 job", "ParentRef": {"value": self.customers[0]}}
            )["Id"]
        )
        self.vendors = [books.create("Vendor", {"DisplayName": f"V{i}"})["Id"] for i in range(2)]
        self.item = books.create(
            "Item",
            {"Name": "Svc", "Type": "Service", "IncomeAccountRef": books.account_ref("Services")},
        )["Id"]
        self.refs = {
            n: books.account_ref(n)
            for n in ("Checking", "Mastercard", "Supplies", "Savings", "Rent or Lease")
        }
        self.txns: list[tuple[str, str]] = []
        self.refused = 0

    def open_docs(self, kind: str) -> list[dict[str, Any]]:
        return [d for d in self.b.all(kind) if D(str(d.get("Balance", 0))) > 0]

    def run(self, kind: str, pick: int, cents: int, day: int) -> None:
        amount = D(cents) / 100
        date = f"2026-{day % 12 + 1:02d}-{day % 28 + 1:02d}"
        b, r = self.b, self.refs
        customer = self.customers[pick % len(self.customers)]
        try:
            if kind == "invoice":
                self.add(
                    "Invoice",
                    {
                        "CustomerRef": {"value": customer},
                        "TxnDate": date,
                        "Line": [line(amount, self.item), line(D(pick), self.item)],
                    },
                )
            elif kind in ("payment", "overpay"):
                invoices = self.open_docs("Invoice")
                if not invoices:
                    return
                chosen = invoices[pick % len(invoices)]
                chosen2 = invoices[(pick + 1) % len(invoices)]
                parent = b.read("Customer", chosen["CustomerRef"]["value"]).get("ParentRef")
                payer = parent["value"] if parent and pick % 2 else chosen["CustomerRef"]["value"]
                part = min(D(str(chosen["Balance"])), amount)
                lines = [applied(part, "Invoice", chosen["Id"])]
                total = part + (amount if kind == "overpay" else 0)
                if (
                    chosen2["Id"] != chosen["Id"]
                    and chosen2["CustomerRef"] == chosen["CustomerRef"]
                    and kind == "payment"
                ):
                    lines.append(applied(chosen2["Balance"], "Invoice", chosen2["Id"]))
                    total += D(str(chosen2["Balance"]))
                self.add(
                    "Payment",
                    {
                        "CustomerRef": {"value": payer},
                        "TotalAmt": total,
                        "TxnDate": date,
                        "Line": lines,
                    },
                )
            elif kind == "credit":
                self.add(
                    "CreditMemo",
                    {
                        "CustomerRef": {"value": customer},
                        "TxnDate": date,
                        "Line": [line(amount, self.item)],
                    },
                )
            elif kind == "receipt":
                self.add(
                    "SalesReceipt",
                    {
                        "CustomerRef": {"value": customer},
                        "TxnDate": date,
                        "Line": [line(amount, self.item)],
                    },
                )
            elif kind == "bill":
                self.add(
                    "Bill",
                    {
                        "VendorRef": {"value": self.vendors[pick % 2]},
                        "TxnDate": date,
                        "Line": [expense(amount, r["Rent or Lease"])],
                    },
                )
            elif kind == "billpay":
                bills = self.open_docs("Bill")
                if not bills:
                    return
                bill = bills[pick % len(bills)]
                part = min(D(str(bill["Balance"])), amount)
                self.add(
                    "BillPayment",
                    {
                        "VendorRef": bill["VendorRef"],
                        "PayType": "Check",
                        "TotalAmt": part,
                        "TxnDate": date,
                        "CheckPayment": {"BankAccountRef": r["Checking"]},
                        "Line": [applied(part, "Bill", bill["Id"])],
                    },
                )
            elif kind == "purchase":
                self.add(
                    "Purchase",
                    {
                        "PaymentType": "CreditCard" if pick % 2 else "Cash",
                        "TxnDate": date,
                        "AccountRef": r["Mastercard"] if pick % 2 else r["Checking"],
                        "Line": [expense(amount, r["Supplies"])],
                    },
                )
            elif kind == "deposit":
                waiting = [
                    p
                    for p in b.all("Payment")
                    if not p.get("LinkedTxn")
                    and D(str(p["TotalAmt"])) > 0
                    and not p.get("DepositToAccountRef")
                ]
                if not waiting:
                    return
                chosen = waiting[pick % len(waiting)]
                self.add(
                    "Deposit",
                    {
                        "DepositToAccountRef": r["Checking"],
                        "TxnDate": date,
                        "Line": [applied(chosen["TotalAmt"], "Payment", chosen["Id"])],
                    },
                )
            elif kind == "journal":
                self.add(
                    "JournalEntry",
                    {
                        "TxnDate": date,
                        "Line": [
                            {
                                "DetailType": "JournalEntryLineDetail",
                                "Amount": amount,
                                "JournalEntryLineDetail": {
                                    "PostingType": "Debit",
                                    "AccountRef": b.account_ref("Accounts Receivable (A/R)"),
                                    "Entity": {
                                        "Type": "Customer",
                                        "EntityRef": {"value": customer},
                                    },
                                },
                            },
                            {
                                "DetailType": "JournalEntryLineDetail",
                                "Amount": amount,
                                "JournalEntryLineDetail": {
                                    "PostingType": "Credit",
                                    "AccountRef": b.account_ref("Interest Earned"),
                                },
                            },
                        ],
                    },
                )
            elif kind == "transfer":
                self.add(
                    "Transfer",
                    {
                        "FromAccountRef": r["Checking"],
                        "ToAccountRef": r["Savings"],
                        "Amount": amount,
                        "TxnDate": date,
                    },
                )
            elif kind in ("delete", "void", "update") and self.txns:
                entity, object_id = self.txns[pick % len(self.txns)]
                if kind == "delete":
                    b.delete(entity, object_id)
                    self.txns.remove((entity, object_id))
                elif kind == "void" and entity in (
                    "Invoice",
                    "Payment",
                    "SalesReceipt",
                    "BillPayment",
                ):
                    b.void(entity, object_id)
                elif kind == "update" and entity in ("Invoice", "Bill"):
                    doc = b.read(entity, object_id)
                    new_line = (
                        line(amount, self.item)
                        if entity == "Invoice"
                        else expense(amount, r["Supplies"])
                    )
                    b.update(
                        entity,
                        {
                            "Id": object_id,
                            "SyncToken": doc["SyncToken"],
                            "sparse": True,
                            "Line": [new_line],
                        },
                    )
        except Fault as fault:
            assert fault.code in ("6000", "2500"), fault
            self.refused += 1

    def add(self, entity: str, body: dict[str, Any]) -> None:
        doc = self.b.create(entity, body)
        self.txns.append((entity, doc["Id"]))


def assert_consistent(books: Books) -> None:
    rows = books.ledger_rows()
    per_txn: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row["txn_type"], row["txn_id"])
        per_txn[key] = per_txn.get(key, 0) + row["amount"]
    assert all(v == 0 for v in per_txn.values()), per_txn
    accounts = {a["Id"]: a for a in books.all("Account")}
    for aid, account in accounts.items():
        debit = sum(r["amount"] for r in rows if str(r["account_id"]) == aid)
        sign = 1 if account["Classification"] in ("Asset", "Expense") else -1
        assert D(str(account["CurrentBalance"])) == D(sign * debit) / 100, account["Name"]
    trial = run(books, "TrialBalance", date_macro="All")
    total = trial["Rows"]["Row"][-1]["Summary"]["ColData"] if trial["Rows"] else None
    if total:
        assert total[1]["value"] == total[2]["value"]
    sheet = run(books, "BalanceSheet", end_date="2030-12-31")
    if sheet["Rows"]:
        assert summary(group(sheet, "TotalAssets")) == summary(
            group(sheet, "TotalLiabilitiesAndEquity")
        )
        check_totals(sheet)
    for name in ("ProfitAndLoss", "CashFlow"):
        check_totals(run(books, name, start_date="2026-01-01", end_date="2026-12-31"))
    for role, report, account, entity in (
        ("ar", "AgedReceivables", "Accounts Receivable (A/R)", "Customer"),
        ("ap", "AgedPayables", "Accounts Payable (A/P)", "Vendor"),
    ):
        aging = run(books, report, report_date="2030-12-31")
        check_totals(aging)
        aging_total = (
            D(aging["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"])
            if aging["Rows"]
            else D(0)
        )
        control = books.balance(account)
        names = sum((D(str(d["Balance"])) for d in books.all(entity)), D(0))
        opens = sum(r["amount"] for r in rows if r["role"] == role)
        sign = 1 if role == "ar" else -1
        assert aging_total == control == names == D(sign * opens) / 100
    ar_docs = (
        sum(D(str(d["Balance"])) for d in books.all("Invoice"))
        - sum(D(str(d["Balance"])) for d in books.all("CreditMemo"))
        - sum(D(str(d["UnappliedAmt"])) for d in books.all("Payment"))
    )
    journal = (
        D(sum(r["amount"] for r in rows if r["role"] == "ar" and r["txn_type"] == "JournalEntry"))
        / 100
    )
    assert ar_docs + journal == books.balance("Accounts Receivable (A/R)")
    assert sum(D(str(d["Balance"])) for d in books.all("Bill")) == books.balance(
        "Accounts Payable (A/P)"
    )


def delete_everything(history: History) -> None:
    order = ("Deposit", "Payment", "BillPayment", "JournalEntry")
    todo = sorted(history.txns, key=lambda t: order.index(t[0]) if t[0] in order else len(order))
    for entity, object_id in todo:
        history.b.delete(entity, object_id)


@pytest.fixture(scope="module")
def shared(memory_emulator: Emulator) -> Emulator:
    return memory_emulator


@pytest.mark.slow
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_random_histories_keep_the_books_consistent(
    shared: Emulator, ops: list[tuple[str, int, int, int]]
) -> None:
    books = Books.open(shared)
    history = History(books)
    for step in ops:
        history.run(*step)
    assert_consistent(books)
    delete_everything(history)
    assert books.ledger_rows() == []
    for account in books.all("Account"):
        assert D(str(account["CurrentBalance"])) == 0, account["Name"]
    for kind in ("Customer", "Vendor"):
        for doc in books.all(kind):
            assert D(str(doc["Balance"])) == 0
            assert D(str(doc.get("BalanceWithJobs", 0))) == 0
