"""``GET /{entity}/{id}/pdf``: a readable document, checked through its extracted text."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pypdf import PdfReader

from qbo.emulator.pdf import latin1, money
from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.delivery.conftest import MakeEmulator, client_for
from tests.delivery.world import Books

pytestmark = pytest.mark.anyio


def text_of(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def us_date(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%m/%d/%Y")


async def test_invoice_pdf_has_everything_a_customer_reads(api: Api) -> None:
    books = Books(api.client, api.realm)
    customer = await books.customer("Cool Cars")
    mowing = await books.service("Mowing")
    hedges = await books.service("Hedge trimming")
    invoice = await books.ok(
        "invoice",
        {
            "CustomerRef": {"value": customer["Id"]},
            "DocNumber": "INV-77",
            "TxnDate": "2026-03-02",
            "DueDate": "2026-04-01",
            "Line": [
                {
                    "DetailType": "SalesItemLineDetail",
                    "Description": "Front and back lawn, weekly",
                    "Amount": 180,
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": mowing["Id"]},
                        "Qty": 4,
                        "UnitPrice": 45,
                    },
                },
                {
                    "DetailType": "SalesItemLineDetail",
                    "Description": "Boxwood hedges",
                    "Amount": 62.5,
                    "SalesItemLineDetail": {
                        "ItemRef": {"value": hedges["Id"]},
                        "Qty": 2.5,
                        "UnitPrice": 25,
                    },
                },
                {
                    "DetailType": "DiscountLineDetail",
                    "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
                },
            ],
            "TxnTaxDetail": {"TotalTax": 12.13},
            "CustomerMemo": {"value": "Thank you for your business."},
        },
    )
    response = await api.client.get(api.path(f"invoice/{invoice['Id']}/pdf"))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = text_of(response.content)

    company = jsoncodec.loads((await api.get(f"companyinfo/{api.realm}")).text)["CompanyInfo"]
    currency = invoice["CurrencyRef"]["value"]
    discount = next(ln for ln in invoice["Line"] if ln["DetailType"] == "DiscountLineDetail")
    subtotal = next(ln for ln in invoice["Line"] if ln["DetailType"] == "SubTotalLineDetail")
    expected = [
        company["CompanyName"],
        company["CompanyAddr"]["Line1"],
        "INVOICE",
        "Invoice no. INV-77",
        f"Date {us_date(invoice['TxnDate'])}",
        f"Due date {us_date(invoice['DueDate'])}",
        "Bill to",
        "Cool Cars",
        "4581 Finch St.",
        "Bayshore, CA 94326",
        "Mowing Front and back lawn, weekly 4 $45.00 $180.00",
        "Hedge trimming Boxwood hedges 2.5 $25.00 $62.50",
        f"Subtotal {money(subtotal['Amount'], currency)}",
        f"Discount (10%) {money(-Decimal(str(discount['Amount'])), currency)}",
        f"Tax {money(invoice['TxnTaxDetail']['TotalTax'], currency)}",
        f"Total {money(invoice['TotalAmt'], currency)}",
        f"Balance due {money(invoice['Balance'], currency)}",
        "Thank you for your business.",
    ]
    for fragment in expected:
        assert fragment in text, (fragment, text)
    assert money(subtotal["Amount"], currency) == "$242.50"

    # The same object renders the same bytes.
    again = await api.client.get(api.path(f"invoice/{invoice['Id']}/pdf"))
    assert again.content == response.content


@pytest.fixture
async def b(make_emulator: MakeEmulator) -> AsyncIterator[Books]:
    emu = make_emulator()
    async with client_for(emu) as client:
        yield Books(client, emu.realms.list()[0].realm_id)


async def fault_code(response: Any) -> str:
    assert response.status_code == 400, response.text
    code: str = jsoncodec.loads(response.text)["Fault"]["Error"][0]["code"]
    return code


async def test_other_sales_forms(b: Books) -> None:
    customer = await b.customer()
    titles = {
        "Estimate": ("ESTIMATE", "Estimate no."),
        "CreditMemo": ("CREDIT MEMO", "Credit remaining"),
        "SalesReceipt": ("SALES RECEIPT", "Amount paid"),
    }
    for entity, fragments in titles.items():
        doc = await b.sales_form(entity, customer)
        response = await b.client.get(b.path(f"{entity.lower()}/{doc['Id']}/pdf"))
        assert response.status_code == 200, response.text
        text = text_of(response.content)
        for fragment in (*fragments, "Weekly lawn care", "$150.00"):
            assert fragment in text, (entity, fragment, text)


async def test_pdf_refusals(b: Books) -> None:
    assert await fault_code(await b.client.get(b.path("invoice/4040/pdf"))) == "610"
    vendor = await b.vendor()
    item = await b.service("Mulch")
    order = await b.ok(
        "purchaseorder",
        {
            "VendorRef": {"value": vendor["Id"]},
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 10,
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": {"value": item["Id"]},
                        "Qty": 1,
                        "UnitPrice": 10,
                    },
                }
            ],
        },
    )
    assert await fault_code(await b.client.get(b.path(f"purchaseorder/{order['Id']}/pdf"))) == "500"
    assert await fault_code(await b.client.get(b.path("customer/1/pdf"))) == "500"
    assert await fault_code(await b.client.get(b.path("nothing/1/pdf"))) == "6000"


async def test_text_outside_latin1_never_fails(b: Books) -> None:
    customer = await b.customer("Zoë Mañana Ōsaka 東京")
    invoice = await b.sales_form("Invoice", customer)
    response = await b.client.get(b.path(f"invoice/{invoice['Id']}/pdf"))
    assert response.status_code == 200
    assert "Zoë Mañana Osaka ??" in text_of(response.content)
    assert latin1("€5 naïve") == "?5 naïve"
