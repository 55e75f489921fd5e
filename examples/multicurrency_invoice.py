"""An invoice in euros for a euro customer, with the exchange rate of the day.

Multi-currency must be on in the company's preferences (it cannot be turned off again).
"""

from datetime import date
from decimal import Decimal

from _client import connect

from qbo.client import currency_ref, home_amount
from qbo.query import col

with connect() as qb:
    prefs = qb.preferences()
    if not (prefs.CurrencyPrefs and prefs.CurrencyPrefs.MultiCurrencyEnabled):
        qb.preferences.update(
            {"SyncToken": prefs.SyncToken, "CurrencyPrefs": {"MultiCurrencyEnabled": True}},
            sparse=True,
        )
    qb.exchange_rates.set("EUR", Decimal("1.0850"), date.today())
    customer = qb.customers.first(col("DisplayName") == "Euro Client") or qb.customers.create(
        {"DisplayName": "Euro Client", "CurrencyRef": currency_ref("EUR")}
    )
    item = qb.items.first(col("Type") == "Service")
    assert item is not None
    invoice = qb.invoices.create(
        {
            "CustomerRef": {"value": customer.Id},
            "CurrencyRef": currency_ref("EUR"),
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Amount": "1000.00",
                    "SalesItemLineDetail": {"ItemRef": {"value": item.Id}},
                }
            ],
        }
    )
    print(
        f"invoice {invoice.DocNumber}: EUR {invoice.TotalAmt:,.2f} at {invoice.ExchangeRate}"
        f" = {home_amount(invoice):,.2f} in the home currency"
    )
