"""The python-quickbooks scenario: run by the peers venv's interpreter, not by pytest.

``python pq_scenario.py BASE_URL WORKDIR`` drives python-quickbooks 0.9.12 and
intuit-oauth 1.2.6 against the emulator at ``BASE_URL`` changing only base URLs: the
OAuth discovery document's address (intuit-oauth's ``environment``) and
``QuickBooks.api_url_v3``. HTTPS is trusted through ``REQUESTS_CA_BUNDLE``. Every step
prints one JSON line ``{"step", "ok", "error"}``; a failed step does not stop the next.
"""

from __future__ import annotations

import json
import sys
import traceback
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from quickbooks import QuickBooks
from quickbooks.batch import batch_create
from quickbooks.cdc import change_data_capture
from quickbooks.objects.account import Account
from quickbooks.objects.attachable import Attachable, AttachableRef
from quickbooks.objects.bill import Bill
from quickbooks.objects.billpayment import BillPayment, BillPaymentLine, CheckPayment
from quickbooks.objects.customer import Customer
from quickbooks.objects.detailline import (
    AccountBasedExpenseLine,
    AccountBasedExpenseLineDetail,
    SalesItemLine,
    SalesItemLineDetail,
)
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.journalentry import JournalEntry, JournalEntryLine, JournalEntryLineDetail
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.vendor import Vendor

BASE, WORK = sys.argv[1].rstrip("/"), Path(sys.argv[2])
REDIRECT = "http://localhost/callback"
state: dict = {}


def step(name):
    def run(fn):
        try:
            detail = fn()
            print(json.dumps({"step": name, "ok": True, "detail": detail}), flush=True)
        except Exception as exc:  # every failure is reported, none stops the scenario
            error = f"{type(exc).__name__}: {exc}"[:800]
            tail = traceback.format_exc().splitlines()[-6:]
            print(
                json.dumps({"step": name, "ok": False, "error": error, "trace": tail}), flush=True
            )
        return fn

    return run


@step("oauth connect")
def connect():
    app = {"name": "python-quickbooks", "redirect_uris": [REDIRECT], "auto_approve": True}
    made = requests.post(f"{BASE}/_emulator/apps", json=app, timeout=30)
    made.raise_for_status()
    body = made.json()
    auth = AuthClient(
        body["client_id"],
        body["client_secret"],
        REDIRECT,
        f"{BASE}/.well-known/openid_configuration",
    )
    url = auth.get_authorization_url([Scopes.ACCOUNTING, Scopes.OPENID, Scopes.EMAIL])
    consent = requests.get(url, allow_redirects=False, timeout=30)
    assert consent.status_code in (302, 303), consent.status_code
    query = parse_qs(urlsplit(consent.headers["Location"]).query)
    assert query["state"] == [auth.state_token], query
    auth.get_bearer_token(query["code"][0], realm_id=query["realmId"][0])
    assert auth.access_token and auth.refresh_token
    assert auth.id_token, "the id_token passed intuit-oauth's signature and issuer checks"
    assert auth.get_user_info().json().get("email"), "userinfo answers the email scope"
    state["auth"] = auth
    QuickBooks.api_url_v3 = f"{BASE}/v3"  # the one base URL python-quickbooks has
    state["qb"] = QuickBooks(
        auth_client=auth,
        refresh_token=auth.refresh_token,
        company_id=auth.realm_id,
        minorversion=75,
    )
    return {"realm": auth.realm_id}


@step("oauth refresh")
def refresh():
    auth = state["auth"]
    before = auth.access_token
    auth.refresh()
    assert auth.access_token and auth.access_token != before
    state["qb"] = QuickBooks(
        auth_client=auth,
        refresh_token=auth.refresh_token,
        company_id=auth.realm_id,
        minorversion=75,
    )


def qb():
    return state["qb"]


@step("customer create")
def customer_create():
    c = Customer()
    c.DisplayName = "Peer Customer"
    state["customer"] = c.save(qb=qb())
    assert state["customer"].Id


@step("customer read")
def customer_read():
    got = Customer.get(state["customer"].Id, qb=qb())
    assert got.DisplayName == "Peer Customer"
    state["customer"] = got


@step("customer update")
def customer_update():
    c = state["customer"]
    c.CompanyName = "Peer Co"
    state["customer"] = c.save(qb=qb())
    assert state["customer"].CompanyName == "Peer Co"


@step("customer sparse update")
def customer_sparse():
    current = Customer.get(state["customer"].Id, qb=qb())
    current.sparse = True
    current.Notes = "sparse"
    saved = current.save(qb=qb())
    assert saved.Notes == "sparse" and saved.CompanyName == "Peer Co"
    assert int(saved.SyncToken) > int(current.SyncToken)
    state["customer"] = saved


@step("customer filter")
def customer_filter():
    found = Customer.filter(DisplayName="Peer Customer", qb=qb())
    assert [c.Id for c in found] == [state["customer"].Id]


@step("customer count")
def customer_count():
    count = Customer.count(qb=qb())
    assert count >= 1
    return count


@step("items")
def items():
    state["items"] = Item.all(qb=qb())
    assert state["items"]
    return len(state["items"])


@step("accounts")
def accounts():
    found = Account.all(qb=qb(), max_results=1000)
    state["expense"] = next(a for a in found if a.AccountType == "Expense")
    state["bank"] = next(a for a in found if a.AccountType == "Bank")
    return len(found)


def new_invoice(amount):
    line = SalesItemLine()
    line.Amount = amount
    line.Description = "peer line"
    line.SalesItemLineDetail = SalesItemLineDetail()
    line.SalesItemLineDetail.ItemRef = state["items"][0].to_ref()
    invoice = Invoice()
    invoice.Line = [line]
    invoice.CustomerRef = state["customer"].to_ref()
    return invoice.save(qb=qb())


@step("invoice with lines")
def invoice():
    state["invoice"] = new_invoice(100)
    assert float(state["invoice"].TotalAmt) == 100.0


@step("invoice send")
def send():
    state["invoice"].send(qb=qb(), send_to="peer@example.com")


@step("invoice pdf")
def pdf():
    data = state["invoice"].download_pdf(qb=qb())
    assert data[:5] == b"%PDF-", data[:20]
    return len(data)


@step("payment")
def payment():
    line = PaymentLine()
    line.Amount = 100
    line.LinkedTxn = [state["invoice"].to_linked_txn()]
    p = Payment()
    p.TotalAmt = 100
    p.CustomerRef = state["customer"].to_ref()
    p.Line = [line]
    saved = p.save(qb=qb())
    assert Invoice.get(state["invoice"].Id, qb=qb()).Balance == 0
    return saved.Id


@step("bill")
def bill():
    v = Vendor()
    v.DisplayName = "Peer Vendor"
    state["vendor"] = v.save(qb=qb())
    line = AccountBasedExpenseLine()
    line.Amount = 50
    line.AccountBasedExpenseLineDetail = AccountBasedExpenseLineDetail()
    line.AccountBasedExpenseLineDetail.AccountRef = state["expense"].to_ref()
    b = Bill()
    b.Line = [line]
    b.VendorRef = state["vendor"].to_ref()
    state["bill"] = b.save(qb=qb())


@step("bill payment")
def bill_payment():
    bp = BillPayment()
    bp.PayType = "Check"
    bp.TotalAmt = 50
    bp.VendorRef = state["vendor"].to_ref()
    bp.CheckPayment = CheckPayment()
    bp.CheckPayment.BankAccountRef = state["bank"].to_ref()
    line = BillPaymentLine()
    line.Amount = 50
    line.LinkedTxn = [state["bill"].to_linked_txn()]
    bp.Line = [line]
    bp.save(qb=qb())
    assert Bill.get(state["bill"].Id, qb=qb()).Balance == 0


@step("journal entry")
def journal_entry():
    lines = []
    for posting, account in (("Debit", state["expense"]), ("Credit", state["bank"])):
        line = JournalEntryLine()
        line.Amount = 10
        line.JournalEntryLineDetail = JournalEntryLineDetail()
        line.JournalEntryLineDetail.PostingType = posting
        line.JournalEntryLineDetail.AccountRef = account.to_ref()
        lines.append(line)
    entry = JournalEntry()
    entry.Line = lines
    return entry.save(qb=qb()).Id


@step("batch of 40")
def batch():
    customers = []
    for i in range(40):
        c = Customer()
        c.DisplayName = f"Peer Batch {i}"
        customers.append(c)
    result = batch_create(customers, qb=qb())
    assert not result.faults, [f.Error for f in result.faults]
    assert len(result.successes) == 40, len(result.successes)


@step("cdc")
def cdc():
    since = datetime.now(UTC) - timedelta(days=1)
    changed = change_data_capture([Customer, Invoice], since, qb=qb())
    assert len(changed.Customer) >= 41, len(changed.Customer)
    return len(changed.Customer)


@step("profit and loss report")
def profit_and_loss():
    report = qb().get_report("ProfitAndLoss")
    assert report["Header"]["ReportName"] == "ProfitAndLoss"


@step("balance sheet report")
def balance_sheet():
    report = qb().get_report("BalanceSheet")
    assert report["Header"]["ReportName"] == "BalanceSheet"


@step("attachment upload")
def attachment():
    path = WORK / "peer-note.txt"
    path.write_text("attached by python-quickbooks\n")
    ref = AttachableRef()
    ref.EntityRef = state["invoice"].to_ref()
    a = Attachable()
    a.AttachableRef = [ref]
    a.FileName = path.name
    a._FilePath = str(path)
    a.ContentType = "text/plain"
    saved = a.save(qb=qb())
    assert saved.Id and saved.FileName == path.name
    return saved.Id


@step("void")
def void():
    unpaid = new_invoice(30)
    unpaid.void(qb=qb())
    voided = Invoice.get(unpaid.Id, qb=qb())
    assert float(voided.TotalAmt) == 0.0 and float(voided.Balance) == 0.0


@step("delete")
def delete():
    doomed = new_invoice(5)
    doomed.delete(qb=qb())
    assert not Invoice.filter(Id=doomed.Id, qb=qb())
