"""Reports read as typed trees, flat records and CSV; multi-currency helpers."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest

from qbo.client import AsyncClient, Report, ValidationError, currency_ref, home_amount, to_home
from qbo.client.reports import parse_report, report_params
from qbo.schema.models import Customer, Invoice, LinkedTxn, Payment
from qbo.schema.models import Line as TxnLine
from tests.client.helpers import invoice, ref, sales_line, service_item

pytestmark = pytest.mark.anyio

RATE_DATE = date(2026, 1, 5)


async def books(qb: AsyncClient) -> tuple[Customer, Invoice]:
    customer = await qb.customers.create(Customer(DisplayName="Report Customer"))
    item = await service_item(qb, "Reportable")
    inv = await invoice(qb, customer, item, [(2, "150.00")])
    await qb.payments.create(
        Payment(
            CustomerRef=ref(customer.Id),
            TotalAmt=Decimal("100.00"),
            Line=[
                TxnLine(
                    Amount=Decimal("100.00"), LinkedTxn=[LinkedTxn(TxnId=inv.Id, TxnType="Invoice")]
                )
            ],
        )
    )
    return customer, inv


async def test_profit_and_loss_tree_rows_and_csv(qb: AsyncClient) -> None:
    await books(qb)
    today = date.today()
    report = await qb.reports.profit_and_loss(
        start_date=today - timedelta(days=365),
        end_date=today + timedelta(days=1),
        accounting_method="Accrual",
    )
    assert isinstance(report, Report) and report.name == "ProfitAndLoss"
    assert report.header.report_basis == "Accrual"
    assert [c.key for c in report.columns][:1] == ["account"]
    assert any(c.is_money for c in report.columns)
    sections = [row for row in report.tree if row.type == "Section"]
    assert sections and any(s.group == "Income" for s in sections)
    records = report.rows()
    income_total = [
        r for r in records if r["row_type"] == "Summary" and r["section"] == ("Income",)
    ]
    assert income_total, records
    money_key = next(c.key for c in report.columns if c.is_money)
    assert income_total[0][money_key] == Decimal("300.00")
    assert all(isinstance(r[money_key], Decimal | None) for r in records)
    rows = list(csv.reader(io.StringIO(report.to_csv())))
    assert rows[0] == ["section", "row_type", *(c.key for c in report.columns)]
    assert len(rows) == len(records) + 1


async def test_named_report_helpers_and_run(qb: AsyncClient) -> None:
    customer, inv = await books(qb)
    aged = await qb.reports.aged_receivables()
    assert aged.name == "AgedReceivables"
    totals = [r for r in aged.rows() if r["row_type"] == "Summary"]
    assert totals
    balance_sheet = await qb.reports.balance_sheet(date_macro="This Fiscal Year-to-date")
    assert balance_sheet.rows()
    trial = await qb.reports.run("TrialBalance")
    assert trial.name == "TrialBalance"
    for helper in (
        qb.reports.general_ledger,
        qb.reports.customer_balance,
        qb.reports.account_list,
        qb.reports.transaction_list,
        qb.reports.cash_flow,
        qb.reports.vendor_balance,
        qb.reports.aged_payables,
    ):
        assert isinstance(await helper(), Report)
    filtered = await qb.reports.customer_balance(customer=[customer.Id or ""])
    assert filtered.rows()
    with pytest.raises(ValidationError):
        await qb.reports.run("NoSuchReport")
    with pytest.raises(ValueError):
        await qb.reports.run("../../etc")
    assert inv.Id


def test_report_parsing_of_the_guide_shape() -> None:
    body = {
        "Header": {
            "ReportName": "ProfitAndLoss",
            "Option": [{"Name": "NoReportData", "Value": "false"}],
        },
        "Columns": {
            "Column": [
                {
                    "ColTitle": "",
                    "ColType": "Account",
                    "MetaData": [{"Name": "ColKey", "Value": "account"}],
                },
                {"ColTitle": "Total", "ColType": "Money"},
            ]
        },
        "Rows": {
            "Row": [
                {
                    "type": "Section",
                    "group": "Income",
                    "Header": {"ColData": [{"value": "Income"}]},
                    "Rows": {
                        "Row": [
                            {
                                "type": "Data",
                                "ColData": [{"value": "Sales", "id": "79"}, {"value": "45000.10"}],
                            },
                            {"ColData": [{"value": "Other"}, {"value": ""}]},
                        ]
                    },
                    "Summary": {"ColData": [{"value": "Total Income"}, {"value": "45000.10"}]},
                }
            ]
        },
    }
    report = parse_report(body)
    assert [c.key for c in report.columns] == ["account", "total"]
    assert not report.header.no_report_data
    assert report.tree[0].rows[0].cells[0].id == "79"
    assert report.rows() == [
        {
            "section": ("Income",),
            "row_type": "Data",
            "account": "Sales",
            "total": Decimal("45000.10"),
        },
        {"section": ("Income",), "row_type": "Data", "account": "Other", "total": None},
        {
            "section": ("Income",),
            "row_type": "Summary",
            "account": "Total Income",
            "total": Decimal("45000.10"),
        },
    ]
    assert report.to_csv().splitlines()[1] == "Income,Data,Sales,45000.10"
    assert report_params(
        {"start_date": date(2026, 1, 2), "customer": ["1", "2"], "x": None, "y": True}
    ) == {"start_date": "2026-01-02", "customer": "1,2", "y": "true"}


async def test_multicurrency_rates_and_home_amounts(qb: AsyncClient) -> None:
    prefs = await qb.preferences()
    await qb.preferences.update(
        {"SyncToken": prefs.SyncToken, "CurrencyPrefs": {"MultiCurrencyEnabled": True}}, sparse=True
    )
    # Fixed dates: the rate and the invoice must not depend on the machine's date, nor on
    # the company's (another time zone's) date being the same day as the machine's.
    rate = await qb.exchange_rates.set("eur", Decimal("1.0850"), RATE_DATE)
    assert rate.Rate == Decimal("1.085") and rate.SourceCurrencyCode == "EUR"
    read = await qb.exchange_rates.get("EUR", RATE_DATE + timedelta(days=30))
    assert read.Rate == Decimal("1.085")
    customer = await qb.customers.create(
        Customer(DisplayName="Euro Client", CurrencyRef=currency_ref("eur"))
    )
    item = await service_item(qb, "Euro Work")
    inv = await qb.invoices.create(
        Invoice(
            CustomerRef=ref(customer.Id),
            CurrencyRef=currency_ref("EUR"),
            TxnDate=RATE_DATE + timedelta(days=30),
            Line=[sales_line(item, 3, "33.33")],
        )
    )
    assert inv.CurrencyRef is not None and inv.CurrencyRef.value == "EUR"
    assert inv.ExchangeRate == Decimal("1.085")
    assert inv.TotalAmt == Decimal("99.99")
    assert home_amount(inv) == to_home(Decimal("99.99"), Decimal("1.085")) == Decimal("108.49")
    assert home_amount(Invoice(TotalAmt=Decimal("10"), ExchangeRate=Decimal("1.5"))) == Decimal(
        "15.00"
    )
    assert home_amount(Invoice(TotalAmt=Decimal("10"))) == Decimal("10.00")
    assert home_amount(Invoice()) is None
    with pytest.raises(ValueError):
        currency_ref("EURO")
