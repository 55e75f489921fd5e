"""``POST /{entity}/{id}/send``: the form is marked sent, the mail lands in the outbox."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import httpx
import pytest
from pypdf import PdfReader
from sqlalchemy import select

from qbo.emulator import Emulator
from qbo.schema import jsoncodec
from tests.conftest import Api
from tests.delivery.conftest import MakeEmulator, client_for
from tests.delivery.world import Books

pytestmark = pytest.mark.anyio

META_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def change_log(emulator: Emulator, realm_id: str, entity: str, object_id: str) -> list[str]:
    changes = emulator.store.tables.changes
    with emulator.store.read() as conn:
        rows = conn.execute(
            select(changes.c.operation)
            .where(
                changes.c.realm_id == realm_id,
                changes.c.entity == entity,
                changes.c.entity_id == int(object_id),
            )
            .order_by(changes.c.seq)
        ).all()
    return [r.operation for r in rows]


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


async def test_send_marks_the_invoice_sent_and_fills_the_outbox(api: Api) -> None:
    books = Books(api.client, api.realm)
    customer = await books.customer("Sonnenschein Family Store", "family@sonnenschein.example")
    invoice = await books.sales_form("Invoice", customer)
    assert invoice["EmailStatus"] == "NotSet"

    # Intuit's SDKs post an empty body as application/octet-stream.
    response = await api.client.post(
        api.path(f"invoice/{invoice['Id']}/send"),
        content=b"",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert response.status_code == 200, response.text
    sent = jsoncodec.loads(response.text)["Invoice"]
    assert sent["EmailStatus"] == "EmailSent"
    assert sent["DeliveryInfo"]["DeliveryType"] == "Email"
    assert META_TIME.match(sent["DeliveryInfo"]["DeliveryTime"])
    assert sent["SyncToken"] == str(int(invoice["SyncToken"]) + 1)
    assert sent["BillEmail"] == {"Address": "family@sonnenschein.example"}
    assert await api.read("Invoice", invoice["Id"]) == sent
    assert change_log(api.emulator, api.realm, "Invoice", invoice["Id"]) == [
        "Create",
        "Update",
        "Emailed",
    ]

    outbox = await api.client.get("/_emulator/outbox", params={"realm": api.realm})
    assert outbox.status_code == 200
    (message,) = outbox.json()
    assert message["to"] == ["family@sonnenschein.example"]
    assert message["entity"] == "Invoice" and message["entityId"] == invoice["Id"]
    assert message["docNumber"] == invoice["DocNumber"]
    assert message["subject"].startswith(f"Invoice {invoice['DocNumber']} from ")
    assert "Dear Sonnenschein Family Store," in message["body"]
    assert message["pdf"]["contentType"] == "application/pdf"
    pdf = await api.client.get(message["pdf"]["url"])
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert len(pdf.content) == message["pdf"]["size"]
    assert invoice["DocNumber"] in pdf_text(pdf.content)


async def test_send_to_overrides_and_updates_the_bill_email(api: Api) -> None:
    books = Books(api.client, api.realm)
    invoice = await books.sales_form("Invoice", await books.customer(email="old@example.com"))
    # No body and no Content-Type at all.
    response = await api.client.post(
        api.path(f"invoice/{invoice['Id']}/send"), params={"sendTo": "new@example.com"}
    )
    assert response.status_code == 200, response.text
    assert jsoncodec.loads(response.text)["Invoice"]["BillEmail"]["Address"] == "new@example.com"
    (message,) = (await api.client.get("/_emulator/outbox", params={"realm": api.realm})).json()
    assert message["to"] == ["new@example.com"]


@pytest.fixture
async def b(make_emulator: MakeEmulator) -> AsyncIterator[Books]:
    """The first realm of a private in-memory emulator, in-process."""
    emu = make_emulator()
    async with client_for(emu) as client:
        yield Books(client, emu.realms.list()[0].realm_id)


async def fault(response: httpx.Response, status: int = 400) -> dict[str, str]:
    assert response.status_code == status, response.text
    body = jsoncodec.loads(response.text)
    assert set(body) == {"Fault", "time"}
    error: dict[str, str] = body["Fault"]["Error"][0]
    return error


async def test_missing_or_bad_addresses_are_refused_and_change_nothing(
    b: Books,
) -> None:
    invoice = await b.sales_form("Invoice", await b.customer(email=None))
    path = b.path(f"invoice/{invoice['Id']}/send")
    missing = await fault(await b.client.post(path))
    assert missing["code"] == "6000" and missing["element"] == "BillEmail.Address"
    for bad in ("not-an-address", "a@b", "two@example.com; three@example.com", " "):
        error = await fault(await b.client.post(path, params={"sendTo": bad}))
        assert error["code"] == "6000" and error["element"] == "sendTo", bad
    long = "x" * 95 + "@example.com"
    assert (await fault(await b.client.post(path, params={"sendTo": long})))["code"] == "6000"
    read = (await b.client.get(b.path(f"invoice/{invoice['Id']}"))).json()["Invoice"]
    assert read["SyncToken"] == invoice["SyncToken"] and read["EmailStatus"] == "NotSet"
    assert (await b.client.get("/_emulator/outbox", params={"realm": b.realm})).json() == []
    # Several addresses, separated by commas, are fine.
    ok = await b.client.post(path, params={"sendTo": "a@example.com, b@example.org"})
    assert ok.status_code == 200, ok.text
    (message,) = (await b.client.get("/_emulator/outbox", params={"realm": b.realm})).json()
    assert message["to"] == ["a@example.com", "b@example.org"]


async def test_send_other_forms_and_refusals(b: Books) -> None:
    customer = await b.customer()
    for entity in ("Estimate", "CreditMemo", "SalesReceipt"):
        doc = await b.sales_form(entity, customer)
        response = await b.client.post(b.path(f"{entity.lower()}/{doc['Id']}/send"))
        assert response.status_code == 200, response.text
        sent = response.json()[entity]
        assert (
            sent["EmailStatus"] == "EmailSent" and sent["DeliveryInfo"]["DeliveryType"] == "Email"
        )

    vendor = await b.vendor()
    item = await b.service("Mulch")
    order = await b.ok(
        "purchaseorder",
        {
            "VendorRef": {"value": vendor["Id"]},
            "POEmail": {"Address": "orders@vendor.example"},
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 30,
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": {"value": item["Id"]},
                        "Qty": 3,
                        "UnitPrice": 10,
                    },
                }
            ],
        },
    )
    response = await b.client.post(b.path(f"purchaseorder/{order['Id']}/send"))
    assert response.status_code == 200, response.text
    sent_order = response.json()["PurchaseOrder"]
    assert sent_order["EmailStatus"] == "EmailSent" and "DeliveryInfo" not in sent_order
    messages = (await b.client.get("/_emulator/outbox", params={"realm": b.realm})).json()
    assert messages[0]["entity"] == "PurchaseOrder"
    assert messages[0]["to"] == ["orders@vendor.example"]
    assert len(messages) == 4

    bill_like = await fault(await b.client.post(b.path(f"bill/{order['Id']}/send")))
    assert bill_like["code"] == "500"
    assert (await fault(await b.client.post(b.path("invoice/999/send"))))["code"] == "610"
    assert (await fault(await b.client.post(b.path("invoice/abc/send"))))["code"] == "610"
    assert (await fault(await b.client.post(b.path("nonsense/1/send"))))["code"] == "6000"


async def test_outbox_control_plane(b: Books) -> None:
    invoice = await b.sales_form("Invoice")
    assert (await b.client.post(b.path(f"invoice/{invoice['Id']}/send"))).status_code == 200
    unknown_realm = await b.client.get("/_emulator/outbox", params={"realm": "123"})
    assert unknown_realm.status_code == 404
    assert (await b.client.get("/_emulator/outbox/999/pdf")).status_code == 404
    assert (await b.client.get("/_emulator/outbox/x/pdf")).status_code == 404
    cleared = await b.client.delete("/_emulator/outbox", params={"realm": b.realm})
    assert cleared.json() == {"removed": 1}
    assert (await b.client.get("/_emulator/outbox")).json() == []
