"""Report shapes and values cross-checked against the ledger."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from qbo.emulator.reports import REPORTS
from qbo.emulator.reports.dates import resolve
from qbo.schema.faults import Fault
from tests.ledger.books import Books, Company, applied, expense
from tests.reports.checks import amount, check_totals, group, rows_of, run, summary

D = Decimal


@pytest.fixture
def co(books: Books) -> Company:
    company = Company(books)
    invoice = company.invoice(1000, TxnDate="2026-01-10", DueDate="2026-01-20")
    company.invoice(500, TxnDate="2026-02-15", DueDate="2026-03-15")
    company.payment(400, applied(400, "Invoice", invoice["Id"]), TxnDate="2026-02-01")
    books.create(
        "Bill",
        {
            "VendorRef": {"value": company.vendor},
            "TxnDate": "2026-02-01",
            "DueDate": "2026-02-10",
            "Line": [expense(300, books.account_ref("Rent or Lease"))],
        },
    )
    books.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": books.account_ref("Checking"),
            "TxnDate": "2026-03-05",
            "Line": [expense(120, books.account_ref("Supplies"))],
        },
    )
    return company


def test_profit_and_loss_shape(books: Books, co: Company) -> None:
    report = run(books, "ProfitAndLoss", start_date="2026-01-01", end_date="2026-03-31")
    header = report["Header"]
    assert header["ReportName"] == "ProfitAndLoss"
    assert header["ReportBasis"] == "Accrual"
    assert (header["StartPeriod"], header["EndPeriod"]) == ("2026-01-01", "2026-03-31")
    assert header["SummarizeColumnsBy"] == "Total" and header["Currency"] == "USD"
    assert {"Name": "NoReportData", "Value": "false"} in header["Option"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", header["Time"])
    assert "DateMacro" not in header
    columns = report["Columns"]["Column"]
    assert [c["ColType"] for c in columns] == ["Account", "Money"]
    assert all(c["MetaData"][-1]["Name"] == "ColKey" for c in columns)
    groups = [r["group"] for r in report["Rows"]["Row"]]
    assert groups == [
        "Income",
        "COGS",
        "GrossProfit",
        "Expenses",
        "NetOperatingIncome",
        "OtherIncome",
        "OtherExpenses",
        "NetOtherIncome",
        "NetIncome",
    ]
    income = group(report, "Income")
    assert income["Header"]["ColData"][0]["value"] == "Income"
    (services,) = rows_of(income)
    assert services["type"] == "Data"
    assert services["ColData"][0] == {"value": "Services", "id": books.account("Services")["Id"]}
    assert services["ColData"][1]["value"] == "1500.00"
    assert income["Summary"]["ColData"] == [{"value": "Total Income"}, {"value": "1500.00"}]
    assert summary(group(report, "Expenses")) == D("420")
    assert summary(group(report, "NetIncome")) == D("1080")
    assert check_totals(report) == 2  # the two sections with rows
    pieces = {
        g: summary(group(report, g))
        for g in ("Income", "COGS", "Expenses", "OtherIncome", "OtherExpenses")
    }
    assert summary(group(report, "GrossProfit")) == pieces["Income"] - pieces["COGS"]
    assert summary(group(report, "NetIncome")) == (
        pieces["Income"]
        - pieces["COGS"]
        - pieces["Expenses"]
        + pieces["OtherIncome"]
        - pieces["OtherExpenses"]
    )


def walk(name: str, width: int, rows: list[dict[str, Any]]) -> None:
    """Every Header, Summary and Data row has one cell per column, each a string."""
    for row in rows:
        for part in ("Header", "Summary"):
            if part in row:
                assert len(row[part]["ColData"]) == width, (name, row)
        if row.get("type") == "Data":
            assert len(row["ColData"]) == width, (name, row)
            assert all(isinstance(c["value"], str) for c in row["ColData"])
        walk(name, width, rows_of(row))


def test_every_report_runs_with_a_colkey_on_every_column(books: Books, co: Company) -> None:
    for name in REPORTS:
        report = run(books, name, start_date="2026-01-01", end_date="2026-12-31")
        assert report["Header"]["ReportName"] == name
        assert set(report) == {"Header", "Columns", "Rows"}
        for column in report["Columns"]["Column"]:
            assert column["MetaData"][-1]["Name"] == "ColKey", (name, column)
        walk(name, len(report["Columns"]["Column"]), rows_of(report))
        check_totals(report)


def test_balance_sheet_balances_and_matches_accounts(books: Books, co: Company) -> None:
    report = run(books, "BalanceSheet", end_date="2026-12-31")
    assets = summary(group(report, "TotalAssets"))
    assert assets == summary(group(report, "TotalLiabilitiesAndEquity"))
    assert summary(group(report, "AR")) == books.balance("Accounts Receivable (A/R)") == D("1100")
    assert summary(group(report, "AP")) == D("300")
    equity = group(report, "Equity")
    net = next(r for r in rows_of(equity) if r["ColData"][0]["value"] == "Net Income")
    assert amount(net["ColData"][1]["value"]) == D("1080")
    # a new fiscal year: last year's profit moves into Retained Earnings
    next_year = run(books, "BalanceSheet", end_date="2027-02-01")
    equity = group(next_year, "Equity")
    retained = next(r for r in rows_of(equity) if r["ColData"][0]["value"] == "Retained Earnings")
    assert amount(retained["ColData"][1]["value"]) == D("1080")
    assert summary(group(next_year, "TotalAssets")) == summary(
        group(next_year, "TotalLiabilitiesAndEquity")
    )


def test_trial_balance_debits_equal_credits(books: Books, co: Company) -> None:
    report = run(books, "TrialBalance", end_date="2026-12-31")
    rows = report["Rows"]["Row"]
    total = rows[-1]
    assert total["group"] == "GrandTotal"
    debit = sum(amount(r["ColData"][1]["value"]) for r in rows[:-1])
    credit = sum(amount(r["ColData"][2]["value"]) for r in rows[:-1])
    assert (
        debit
        == credit
        == amount(total["Summary"]["ColData"][1]["value"])
        == amount(total["Summary"]["ColData"][2]["value"])
    )


def test_summarize_by_month_and_by_customer(books: Books, co: Company) -> None:
    other = books.create("Customer", {"DisplayName": "Zed Ltd"})["Id"]
    co.invoice(250, customer=other, TxnDate="2026-03-01")
    by_month = run(
        books,
        "ProfitAndLoss",
        start_date="2026-01-01",
        end_date="2026-03-31",
        summarize_column_by="Month",
    )
    titles = [c["ColTitle"] for c in by_month["Columns"]["Column"]]
    assert titles == ["", "Jan 2026", "Feb 2026", "Mar 2026", "Total"]
    assert by_month["Columns"]["Column"][1]["MetaData"][:2] == [
        {"Name": "StartDate", "Value": "2026-01-01"},
        {"Name": "EndDate", "Value": "2026-01-31"},
    ]
    income = group(by_month, "Income")["Summary"]["ColData"]
    assert [c["value"] for c in income[1:]] == ["1000.00", "500.00", "250.00", "1750.00"]
    by_customer = run(
        books,
        "ProfitAndLoss",
        start_date="2026-01-01",
        end_date="2026-03-31",
        summarize_column_by="Customers",
    )
    titles = [c["ColTitle"] for c in by_customer["Columns"]["Column"]]
    assert titles == ["", "Acme Corp", "Zed Ltd", "Not Specified", "Total"]
    income = group(by_customer, "Income")["Summary"]["ColData"]
    assert [c["value"] for c in income[1:]] == ["1500.00", "250.00", "0.00", "1750.00"]
    sheet = run(books, "BalanceSheet", end_date="2026-03-31", summarize_column_by="Quarter")
    assert [c["ColTitle"] for c in sheet["Columns"]["Column"]] == ["", "Jan - Mar 2026"]


def test_cash_basis_recognises_income_when_paid(books: Books, co: Company) -> None:
    cash = run(
        books,
        "ProfitAndLoss",
        start_date="2026-01-01",
        end_date="2026-03-31",
        accounting_method="Cash",
    )
    assert cash["Header"]["ReportBasis"] == "Cash"
    assert summary(group(cash, "Income")) == D("400")  # only the payment received
    assert summary(group(cash, "Expenses")) == D(
        "120"
    )  # the bill is unpaid; the cash purchase counts
    january = run(
        books,
        "ProfitAndLoss",
        start_date="2026-01-01",
        end_date="2026-01-31",
        accounting_method="Cash",
    )
    assert january["Rows"] == {} or summary(group(january, "Income")) == 0
    sheet = run(books, "BalanceSheet", end_date="2026-12-31", accounting_method="Cash")
    assert summary(group(sheet, "TotalAssets")) == summary(
        group(sheet, "TotalLiabilitiesAndEquity")
    )


def test_filters_and_aging(books: Books, co: Company) -> None:
    other = books.create("Customer", {"DisplayName": "Zed Ltd"})["Id"]
    co.invoice(250, customer=other, TxnDate="2026-03-01", DueDate="2026-03-31")
    filtered = run(
        books, "ProfitAndLoss", start_date="2026-01-01", end_date="2026-12-31", customer=other
    )
    assert summary(group(filtered, "Income")) == D("250")
    assert filtered["Header"]["Customer"] == other
    aging = run(books, "AgedReceivables", report_date="2026-04-01")
    titles = [c["ColTitle"] for c in aging["Columns"]["Column"]]
    assert titles == ["", "Current", "1 - 30", "31 - 60", "61 - 90", "91 and over", "Total"]
    acme = next(
        r for r in aging["Rows"]["Row"] if r.get("ColData", [{}])[0].get("value") == "Acme Corp"
    )
    # invoice 1 (600 open) due 2026-01-20 is 71 days late; invoice 2 due 2026-03-15, 17 days
    assert [c["value"] for c in acme["ColData"][1:]] == [
        "0.00",
        "500.00",
        "0.00",
        "600.00",
        "0.00",
        "1100.00",
    ]
    assert aging["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"] == "1350.00"
    detail = run(books, "AgedReceivableDetail", report_date="2026-04-01")
    sections = [r["Header"]["ColData"][0]["value"] for r in detail["Rows"]["Row"] if "Header" in r]
    assert sections == ["1 - 30 days past due", "61 - 90 days past due"]
    payables = run(books, "AgedPayables", report_date="2026-04-01")
    assert payables["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"] == "300.00"
    balances = run(books, "CustomerBalance", end_date="2026-04-01")
    assert [r["ColData"][1]["value"] for r in balances["Rows"]["Row"][:-1]] == ["1100.00", "250.00"]


def test_general_ledger_and_transaction_list(books: Books, co: Company) -> None:
    ledger = run(books, "GeneralLedger", start_date="2026-02-01", end_date="2026-12-31")
    checking = next(
        r for r in ledger["Rows"]["Row"] if r["Header"]["ColData"][0]["value"] == "Checking"
    )
    rows = rows_of(checking)
    assert rows[0]["ColData"][0]["value"] == "Beginning Balance"
    assert rows[-1]["ColData"][1]["value"] == "Expense"
    assert (
        rows[-1]["ColData"][6]["value"] == "-120.00"
        and rows[-1]["ColData"][7]["value"] == "-120.00"
    )
    ar = next(
        r
        for r in ledger["Rows"]["Row"]
        if r["Header"]["ColData"][0]["value"].startswith("Accounts Receivable")
    )
    assert rows_of(ar)[0]["ColData"][7]["value"] == "1000.00"  # January's invoice
    assert ar["Summary"]["ColData"][7]["value"] == "1100.00"
    listing = run(
        books,
        "TransactionList",
        start_date="2026-01-01",
        end_date="2026-12-31",
        columns="tx_date,txn_type,doc_num,create_date,subt_nat_amount",
    )
    assert [c["MetaData"][-1]["Value"] for c in listing["Columns"]["Column"]] == [
        "tx_date",
        "txn_type",
        "doc_num",
        "create_date",
        "subt_nat_amount",
    ]
    types = [r["ColData"][1]["value"] for r in listing["Rows"]["Row"]]
    assert types == ["Invoice", "Bill", "Payment", "Invoice", "Expense"]
    stamp = listing["Rows"]["Row"][0]["ColData"][3]["value"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}", stamp), stamp


def test_report_faults(books: Books) -> None:
    def fault(name: str, **params: str) -> Fault:
        with pytest.raises(Fault) as caught:
            run(books, name, **params)
        return caught.value

    unknown = fault("ProfitAndLost")
    assert unknown.code == "6000" and "ProfitAndLost" in unknown.errors[0].detail
    for param, value in (
        ("start_date", "2026-13-01"),
        ("date_macro", "Someday"),
        ("accounting_method", "Barter"),
        ("summarize_column_by", "Planets"),
        ("customer", "abc"),
        ("aging_period", "-3"),
        ("sort_order", "up"),
    ):
        error = fault("ProfitAndLoss", **{param: value})
        assert error.code == "2010" and error.errors[0].element == param, param
    backwards = fault("ProfitAndLoss", start_date="2026-05-01", end_date="2026-04-01")
    assert backwards.code == "2010"
    assert fault("TransactionList", columns="tx_date,nonsense").errors[0].element == "columns"
    empty = run(books, "ProfitAndLoss", date_macro="Last Month")
    assert empty["Rows"] == {}
    assert {"Name": "NoReportData", "Value": "true"} in empty["Header"]["Option"]
    assert empty["Header"]["DateMacro"] == "last month"


@pytest.mark.parametrize(
    ("macro", "expected"),
    [
        ("Today", ("2026-11-26", "2026-11-26")),
        ("Yesterday", ("2026-11-25", "2026-11-25")),
        ("This Week", ("2026-11-22", "2026-11-28")),
        ("This Week-to-date", ("2026-11-22", "2026-11-26")),
        ("Last Week", ("2026-11-15", "2026-11-21")),
        ("Last Week-to-date", ("2026-11-15", "2026-11-19")),
        ("Next Week", ("2026-11-29", "2026-12-05")),
        ("Next 4 Weeks", ("2026-11-29", "2026-12-26")),
        ("This Month", ("2026-11-01", "2026-11-30")),
        ("This Month-to-date", ("2026-11-01", "2026-11-26")),
        ("Last Month", ("2026-10-01", "2026-10-31")),
        ("Last Month-to-date", ("2026-10-01", "2026-10-26")),
        ("Next Month", ("2026-12-01", "2026-12-31")),
        ("This Fiscal Quarter", ("2026-09-01", "2026-11-30")),
        ("Last Fiscal Quarter", ("2026-06-01", "2026-08-31")),
        ("This Fiscal Quarter-to-date", ("2026-09-01", "2026-11-26")),
        ("Last Fiscal Quarter-to-date", ("2026-06-01", "2026-08-26")),
        ("Next Fiscal Quarter", ("2026-12-01", "2027-02-28")),
        ("This Fiscal Year", ("2026-03-01", "2027-02-28")),
        ("Last Fiscal Year", ("2025-03-01", "2026-02-28")),
        ("This Fiscal Year-to-date", ("2026-03-01", "2026-11-26")),
        ("Last Fiscal Year-to-date", ("2025-03-01", "2025-11-26")),
        ("Next Fiscal Year", ("2027-03-01", "2028-02-29")),
        ("This Calendar Quarter", ("2026-10-01", "2026-12-31")),
        ("This Calendar Year-to-date", ("2026-01-01", "2026-11-26")),
        ("Last Calendar Year", ("2025-01-01", "2025-12-31")),
        ("next calendar year", ("2027-01-01", "2027-12-31")),
    ],
)
def test_date_macros_with_a_march_fiscal_year(macro: str, expected: tuple[str, str]) -> None:
    found = resolve(macro, date(2026, 11, 26), 3)
    assert found is not None
    assert (found[0].isoformat(), found[1].isoformat()) == expected
