"""The ledger and the Reports API over HTTP (in-process and socket, SQLite and PostgreSQL)."""

from __future__ import annotations

from typing import Any

import pytest

from qbo.schema import jsoncodec
from tests.conftest import Api

pytestmark = pytest.mark.anyio


def account_id(api: Api, name: str) -> str:
    realm = api.emulator.realms.get(api.realm)
    assert realm is not None
    with api.emulator.realms.session(realm, write=False) as s:
        return next(a["Id"] for a in s.all("Account") if a["Name"] == name)


async def make_invoice(api: Api, amount: int) -> tuple[dict[str, Any], dict[str, Any]]:
    customer = await api.create("Customer", {"DisplayName": "Wire Co"})
    item = await api.create(
        "Item",
        {
            "Name": "Wire work",
            "Type": "Service",
            "IncomeAccountRef": {"value": account_id(api, "Services")},
        },
    )
    invoice = await api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-01-15",
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": amount,
                    "SalesItemLineDetail": {"ItemRef": {"value": item["Id"]}},
                }
            ],
        },
    )
    return customer, invoice


async def test_payment_moves_balances_and_reports_follow(api: Api) -> None:
    customer, invoice = await make_invoice(api, 300)
    assert invoice["Balance"] == 300
    payment = await api.create(
        "Payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 100,
            "TxnDate": "2026-01-20",
            "Line": [
                {"Amount": 100, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )
    read = await api.read("Invoice", invoice["Id"])
    assert read["Balance"] == 200 and read["SyncToken"] == "1"
    assert read["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    again = await api.read("Customer", customer["Id"])
    assert again["Balance"] == 200 and again["SyncToken"] == "0"
    assert again["MetaData"] == customer["MetaData"]
    response = await api.get("reports/AgedReceivables", report_date="2026-02-01")
    assert response.status_code == 200
    body = jsoncodec.loads(response.text)
    assert set(body) == {"Header", "Columns", "Rows"}  # reports have no "time" envelope
    assert body["Rows"]["Row"][-1]["Summary"]["ColData"][-1]["value"] == "200.00"
    over = await api.post(
        "payment",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TotalAmt": 500,
            "Line": [
                {"Amount": 500, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
            ],
        },
    )
    assert (await api.fault(over))["code"] == "6000"
    deleted = await api.post(
        "payment", {"Id": payment["Id"], "SyncToken": payment["SyncToken"]}, operation="delete"
    )
    assert deleted.status_code == 200
    assert (await api.read("Invoice", invoice["Id"]))["Balance"] == 300


async def test_report_faults_over_http(api: Api) -> None:
    unknown = await api.get("reports/NoSuchReport")
    error = await api.fault(unknown)
    assert error["code"] == "6000" and "NoSuchReport" in error["Detail"]
    bad = await api.get("reports/ProfitAndLoss", start_date="yesterday")
    error = await api.fault(bad)
    assert error["code"] == "2010" and error["element"] == "start_date"
    ok = await api.ok("GET", "reports/profitandloss", date_macro="This Month")
    assert ok["Header"]["ReportName"] == "ProfitAndLoss"
    assert ok["Header"]["DateMacro"] == "this month"


async def test_multicurrency_and_exchange_rates_over_http(api: Api) -> None:
    refused = await api.post("exchangerate", {"SourceCurrencyCode": "EUR", "Rate": "1.1"})
    assert (await api.fault(refused))["code"] == "6000"
    prefs = (await api.ok("GET", "preferences"))["Preferences"]
    await api.ok(
        "POST",
        "preferences",
        {
            "Id": "1",
            "SyncToken": prefs["SyncToken"],
            "sparse": True,
            "CurrencyPrefs": {"MultiCurrencyEnabled": True},
        },
    )
    rate = (
        await api.ok(
            "POST",
            "exchangerate",
            {"SourceCurrencyCode": "EUR", "Rate": "1.25", "AsOfDate": "2026-01-01"},
        )
    )["ExchangeRate"]
    assert rate["Rate"] == 1.25 and rate["TargetCurrencyCode"] == "USD"
    read = (await api.ok("GET", "exchangerate", sourcecurrencycode="EUR", asofdate="2026-03-01"))[
        "ExchangeRate"
    ]
    assert read["Rate"] == 1.25
    customer = await api.create(
        "Customer", {"DisplayName": "Euro Kunde", "CurrencyRef": {"value": "EUR"}}
    )
    invoice = await api.create(
        "Invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "TxnDate": "2026-03-01",
            "Line": [
                {"DetailType": "SalesItemLineDetail", "Amount": 80, "SalesItemLineDetail": {}}
            ],
        },
    )
    assert invoice["CurrencyRef"]["value"] == "EUR"
    assert invoice["ExchangeRate"] == 1.25 and invoice["HomeTotalAmt"] == 100
    sheet = await api.ok("GET", "reports/BalanceSheet", end_date="2026-03-31")
    assert sheet["Header"]["Currency"] == "USD"
