"""The demo company's books are consistent: the seed goes through the same posting rules."""

from __future__ import annotations

from decimal import Decimal

from qbo.emulator import Emulator
from tests.ledger.books import Books
from tests.reports.checks import check_totals, group, run, summary

D = Decimal


def test_demo_trial_balance_balances_and_ar_equals_open_invoices(memory_emulator: Emulator) -> None:
    books = Books.open(memory_emulator, seed="demo")
    assert books.ledger_total() == 0
    trial = run(books, "TrialBalance", date_macro="All")
    total = trial["Rows"]["Row"][-1]["Summary"]["ColData"]
    assert total[0]["value"] == "TOTAL" and total[1]["value"] == total[2]["value"]
    assert D(total[1]["value"]) > 0
    open_invoices = sum((D(str(i["Balance"])) for i in books.all("Invoice")), D(0))
    assert open_invoices > 0
    assert books.balance("Accounts Receivable (A/R)") == open_invoices
    assert sum((D(str(c["Balance"])) for c in books.all("Customer")), D(0)) == open_invoices
    assert books.balance("Accounts Payable (A/P)") == sum(
        (D(str(b["Balance"])) for b in books.all("Bill")), D(0)
    )
    sheet = run(books, "BalanceSheet")
    assert summary(group(sheet, "TotalAssets")) == summary(
        group(sheet, "TotalLiabilitiesAndEquity")
    )
    assert check_totals(sheet) > 10
    aging = run(books, "AgedReceivables")
    assert D(aging["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"]) == open_invoices
