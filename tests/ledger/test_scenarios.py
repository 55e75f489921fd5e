"""Worked examples with exact numbers: what each transaction posts and what follows."""

from __future__ import annotations

from decimal import Decimal

import pytest

from qbo.emulator.operations.tax_codes import create_tax_code
from tests.ledger.books import Books, Company, applied, expense, line

D = Decimal


@pytest.fixture
def co(books: Books) -> Company:
    return Company(books)


def tax_code(books: Books, percent: str) -> str:
    agency = books.create("TaxAgency", {"DisplayName": "State Board"})["Id"]
    with books.session() as s:
        made = create_tax_code(
            s,
            {
                "TaxCode": f"State {percent}",
                "TaxRateDetails": [
                    {
                        "TaxRateName": f"State rate {percent}",
                        "RateValue": percent,
                        "TaxAgencyId": agency,
                    }
                ],
            },
        )
    return str(made["TaxCodeId"])


def assert_zeroed(books: Books) -> None:
    assert books.ledger_rows() == []
    for account in books.all("Account"):
        assert D(str(account["CurrentBalance"])) == 0, account["Name"]
        assert D(str(account["CurrentBalanceWithSubAccounts"])) == 0, account["Name"]
    for kind in ("Customer", "Vendor"):
        for doc in books.all(kind):
            assert D(str(doc["Balance"])) == 0, doc["DisplayName"]


def test_invoice_with_discount_and_tax_paid_in_full(books: Books, co: Company) -> None:
    code = tax_code(books, "10")
    invoice = books.create(
        "Invoice",
        {
            "CustomerRef": {"value": co.customer},
            "ApplyTaxAfterDiscount": True,
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": code}},
            "Line": [
                line(200, co.item, 2, 100, tax="TAX"),
                line(50, co.item, 1, 50, tax="NON"),
                {
                    "DetailType": "DiscountLineDetail",
                    "DiscountLineDetail": {"PercentBased": True, "DiscountPercent": 10},
                },
            ],
        },
    )
    # discount 25 (10% of 250), shared 200:50, so tax is 10% of 200 - 20 = 180
    assert invoice["TotalAmt"] == D("243")
    detail = invoice["TxnTaxDetail"]
    assert detail["TotalTax"] == 18
    (tax_line,) = detail["TaxLine"]
    assert tax_line["TaxLineDetail"]["NetAmountTaxable"] == 180
    assert tax_line["TaxLineDetail"]["TaxPercent"] == 10
    assert tax_line["TaxLineDetail"]["PercentBased"] is True
    assert books.balance("Accounts Receivable (A/R)") == D("243")
    assert books.balance("Services") == D("250")
    assert books.balance("Discounts given") == D("-25")  # contra-income
    assert books.balance("Sales Tax Payable") == D("18")
    assert co.customer_balance() == D("243")
    co.payment(243, applied(243, "Invoice", invoice["Id"]))
    assert books.read("Invoice", invoice["Id"])["Balance"] == 0
    assert books.balance("Accounts Receivable (A/R)") == 0
    assert books.balance("Undeposited Funds") == D("243")
    assert co.customer_balance() == 0


def test_tax_before_discount_and_rounding(books: Books, co: Company) -> None:
    code = tax_code(books, "8.25")
    invoice = books.create(
        "Invoice",
        {
            "CustomerRef": {"value": co.customer},
            "TxnTaxDetail": {"TxnTaxCodeRef": {"value": code}},
            "Line": [
                line("99.99", co.item, 1, "99.99", tax="TAX"),
                {
                    "DetailType": "DiscountLineDetail",
                    "Amount": 10,
                    "DiscountLineDetail": {"PercentBased": False},
                },
            ],
        },
    )
    # ApplyTaxAfterDiscount false: 8.25% of 99.99 = 8.249175 -> 8.25
    assert invoice["TxnTaxDetail"]["TotalTax"] == D("8.25")
    assert invoice["TotalAmt"] == D("98.24")
    assert books.ledger_total() == 0


def test_partial_payment(books: Books, co: Company) -> None:
    invoice = co.invoice(300)
    payment = co.payment(120, applied(120, "Invoice", invoice["Id"]))
    assert payment["UnappliedAmt"] == 0
    read = books.read("Invoice", invoice["Id"])
    assert read["Balance"] == 180
    assert read["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert co.customer_balance() == 180
    assert books.balance("Accounts Receivable (A/R)") == 180


def test_one_check_pays_two_invoices(books: Books, co: Company) -> None:
    first, second = co.invoice(100), co.invoice(150, 50)
    payment = co.payment(
        300,
        applied(100, "Invoice", first["Id"]),
        applied(200, "Invoice", second["Id"]),
        PaymentMethodRef=None,
        PaymentRefNum="1042",
    )
    for invoice in (first, second):
        read = books.read("Invoice", invoice["Id"])
        assert read["Balance"] == 0
        assert read["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
        assert read["SyncToken"] == "1"  # QBO bumps an invoice's SyncToken when paid
    customer = books.read("Customer", co.customer)
    assert customer["Balance"] == 0 and customer["SyncToken"] == "0"
    books.delete("Payment", payment["Id"])
    assert books.read("Invoice", first["Id"])["Balance"] == 100
    assert books.read("Invoice", second["Id"])["LinkedTxn"] == []
    assert co.customer_balance() == 300


def test_overpayment_leaves_credit_a_later_invoice_uses(books: Books, co: Company) -> None:
    first = co.invoice(100)
    payment = co.payment(150, applied(100, "Invoice", first["Id"]))
    assert payment["UnappliedAmt"] == 50
    assert co.customer_balance() == -50
    assert books.balance("Accounts Receivable (A/R)") == -50
    later = co.invoice(80)
    assert co.customer_balance() == 30
    updated = books.update(
        "Payment",
        {
            "Id": payment["Id"],
            "SyncToken": payment["SyncToken"],
            "sparse": True,
            "Line": [applied(100, "Invoice", first["Id"]), applied(50, "Invoice", later["Id"])],
        },
    )
    assert updated["UnappliedAmt"] == 0
    assert books.read("Invoice", later["Id"])["Balance"] == 30
    assert co.customer_balance() == 30
    assert books.balance("Undeposited Funds") == 150


def test_credit_memo_applied(books: Books, co: Company) -> None:
    invoice = co.invoice(200)
    memo = books.create(
        "CreditMemo", {"CustomerRef": {"value": co.customer}, "Line": [line(50, co.item)]}
    )
    assert memo["Balance"] == 50 and memo["RemainingCredit"] == 50
    assert co.customer_balance() == 150
    assert books.balance("Services") == 150
    payment = co.payment(
        150, applied(200, "Invoice", invoice["Id"]), applied(50, "CreditMemo", memo["Id"])
    )
    assert payment["UnappliedAmt"] == 0
    assert books.read("Invoice", invoice["Id"])["Balance"] == 0
    read = books.read("CreditMemo", memo["Id"])
    assert read["Balance"] == 0 and read["RemainingCredit"] == 0
    assert read["LinkedTxn"] == [{"TxnId": payment["Id"], "TxnType": "Payment"}]
    assert co.customer_balance() == 0
    assert books.balance("Undeposited Funds") == 150


def test_bill_and_bill_payment(books: Books, co: Company) -> None:
    rent = books.account_ref("Rent or Lease")
    bill = books.create("Bill", {"VendorRef": {"value": co.vendor}, "Line": [expense(400, rent)]})
    assert bill["Balance"] == 400
    assert books.balance("Accounts Payable (A/P)") == 400
    assert co.vendor_balance() == 400
    pay = books.create(
        "BillPayment",
        {
            "VendorRef": {"value": co.vendor},
            "PayType": "Check",
            "TotalAmt": 150,
            "CheckPayment": {"BankAccountRef": books.account_ref("Checking")},
            "Line": [applied(150, "Bill", bill["Id"])],
        },
    )
    read = books.read("Bill", bill["Id"])
    assert read["Balance"] == 250
    assert read["LinkedTxn"] == [{"TxnId": pay["Id"], "TxnType": "BillPaymentCheck"}]
    assert co.vendor_balance() == 250
    assert books.balance("Checking") == -150
    assert books.balance("Rent or Lease") == 400
    fault = books.fault(
        books.create,
        "BillPayment",
        {
            "VendorRef": {"value": co.vendor},
            "PayType": "Check",
            "TotalAmt": 300,
            "CheckPayment": {"BankAccountRef": books.account_ref("Checking")},
            "Line": [applied(300, "Bill", bill["Id"])],
        },
    )
    assert fault.code == "6000"
    books.void("BillPayment", pay["Id"])
    assert books.read("Bill", bill["Id"])["Balance"] == 400
    assert books.balance("Checking") == 0


def test_inventory_sale_lowers_quantity_and_posts_fifo_cost(books: Books, co: Company) -> None:
    widget = books.create(
        "Item",
        {
            "Name": "Widget",
            "Type": "Inventory",
            "UnitPrice": 20,
            "PurchaseCost": 5,
            "IncomeAccountRef": books.account_ref("Sales of Product Income"),
            "ExpenseAccountRef": books.account_ref("Cost of Goods Sold"),
            "AssetAccountRef": books.account_ref("Inventory Asset"),
            "TrackQtyOnHand": True,
            "QtyOnHand": 10,
            "InvStartDate": "2026-01-01",
        },
    )
    assert books.balance("Inventory Asset") == 50
    assert books.balance("Opening Balance Equity") == 50
    books.create(
        "Bill",
        {
            "VendorRef": {"value": co.vendor},
            "TxnDate": "2026-02-01",
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 70,
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": {"value": widget["Id"]},
                        "Qty": 10,
                        "UnitPrice": 7,
                    },
                }
            ],
        },
    )
    assert books.read("Item", widget["Id"])["QtyOnHand"] == 20
    sale = books.create(
        "Invoice",
        {
            "CustomerRef": {"value": co.customer},
            "TxnDate": "2026-03-01",
            "Line": [line(300, widget["Id"], 15, 20)],
        },
    )
    # FIFO: 10 at 5 + 5 at 7
    assert books.balance("Cost of Goods Sold") == 85
    assert books.balance("Inventory Asset") == 35
    assert books.read("Item", widget["Id"])["QtyOnHand"] == 5
    assert books.balance("Sales of Product Income") == 300
    # a purchase dated before the sale at a lower cost is used first
    early = books.create(
        "Purchase",
        {
            "PaymentType": "Cash",
            "AccountRef": books.account_ref("Checking"),
            "TxnDate": "2025-12-01",
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 20,
                    "ItemBasedExpenseLineDetail": {
                        "ItemRef": {"value": widget["Id"]},
                        "Qty": 10,
                        "UnitPrice": 2,
                    },
                }
            ],
        },
    )
    assert books.balance("Cost of Goods Sold") == 10 * 2 + 5 * 5
    assert books.balance("Inventory Asset") == 50 + 70 + 20 - 45
    books.delete("Purchase", early["Id"])
    books.delete("Invoice", sale["Id"])
    assert books.read("Item", widget["Id"])["QtyOnHand"] == 20
    assert books.balance("Cost of Goods Sold") == 0
    assert books.balance("Inventory Asset") == 120


def test_inventory_adjustment(books: Books, co: Company) -> None:
    widget = books.create(
        "Item",
        {
            "Name": "Gadget",
            "Type": "Inventory",
            "PurchaseCost": 4,
            "IncomeAccountRef": books.account_ref("Sales of Product Income"),
            "ExpenseAccountRef": books.account_ref("Cost of Goods Sold"),
            "AssetAccountRef": books.account_ref("Inventory Asset"),
            "TrackQtyOnHand": True,
            "QtyOnHand": 10,
            "InvStartDate": "2026-01-01",
        },
    )
    adjustment = books.create(
        "InventoryAdjustment",
        {
            "AdjustAccountRef": books.account_ref("Miscellaneous"),
            "TxnDate": "2026-02-01",
            "Line": [
                {
                    "DetailType": "ItemAdjustmentLineDetail",
                    "ItemAdjustmentLineDetail": {"ItemRef": {"value": widget["Id"]}, "QtyDiff": -3},
                }
            ],
        },
    )
    assert books.read("Item", widget["Id"])["QtyOnHand"] == 7
    assert books.balance("Inventory Asset") == 28
    assert books.balance("Miscellaneous") == 12
    books.delete("InventoryAdjustment", adjustment["Id"])
    assert books.balance("Miscellaneous") == 0


def enable_multicurrency(books: Books) -> None:
    prefs = books.read("Preferences", "1")
    books.update(
        "Preferences",
        {
            "Id": "1",
            "SyncToken": prefs["SyncToken"],
            "sparse": True,
            "CurrencyPrefs": {"MultiCurrencyEnabled": True},
        },
    )


def test_foreign_currency_invoice_paid_at_another_rate(books: Books, co: Company) -> None:
    fault = books.fault(co.invoice, 100, CurrencyRef={"value": "EUR"})
    assert fault.code == "6000" and "Multicurrency is not enabled" in fault.errors[0].detail
    enable_multicurrency(books)
    euro = books.create("Customer", {"DisplayName": "Euro GmbH", "CurrencyRef": {"value": "EUR"}})[
        "Id"
    ]
    invoice = co.invoice(100, customer=euro, CurrencyRef={"value": "EUR"}, ExchangeRate="1.10")
    assert invoice["HomeTotalAmt"] == 110 and invoice["HomeBalance"] == 110
    assert books.balance("Accounts Receivable (A/R)") == 110
    assert co.customer_balance(euro) == 100  # in the customer's currency
    mismatch = books.fault(co.invoice, 100, customer=euro, CurrencyRef={"value": "USD"})
    assert mismatch.code == "6000"
    payment = co.payment(
        100,
        applied(100, "Invoice", invoice["Id"]),
        customer=euro,
        CurrencyRef={"value": "EUR"},
        ExchangeRate="1.20",
    )
    read = books.read("Invoice", invoice["Id"])
    assert read["Balance"] == 0 and read["HomeBalance"] == 0
    assert books.balance("Accounts Receivable (A/R)") == 0
    assert books.balance("Undeposited Funds") == 120
    assert books.balance("Exchange Gain or Loss") == -10  # a realized gain
    assert books.ledger_total() == 0
    books.delete("Payment", payment["Id"])
    assert books.balance("Exchange Gain or Loss") == 0
    assert books.read("Invoice", invoice["Id"])["HomeBalance"] == 110


def test_exchange_rate_list_and_multicurrency_stays_on(books: Books, co: Company) -> None:
    from qbo.emulator.operations.exchange_rates import write_rate as write_exchange_rate

    enable_multicurrency(books)
    with books.session() as s:
        write_exchange_rate(
            s, {"SourceCurrencyCode": "CAD", "Rate": "0.75", "AsOfDate": "2026-01-01"}
        )
        write_exchange_rate(
            s, {"SourceCurrencyCode": "CAD", "Rate": "0.70", "AsOfDate": "2026-06-01"}
        )
    canada = books.create(
        "Customer", {"DisplayName": "Maple Inc", "CurrencyRef": {"value": "CAD"}}
    )["Id"]
    early = co.invoice(100, customer=canada, TxnDate="2026-03-01")
    late = co.invoice(100, customer=canada, TxnDate="2026-07-01")
    assert early["CurrencyRef"]["value"] == "CAD"  # the customer's currency by default
    assert (early["ExchangeRate"], late["ExchangeRate"]) == (D("0.75"), D("0.7"))
    none = books.fault(co.invoice, 100, customer=canada, TxnDate="2025-03-01")
    assert none.code == "6000" and "No exchange rate" in none.errors[0].detail
    prefs = books.read("Preferences", "1")
    off = books.fault(
        books.update,
        "Preferences",
        {
            "Id": "1",
            "SyncToken": prefs["SyncToken"],
            "sparse": True,
            "CurrencyPrefs": {"MultiCurrencyEnabled": False},
        },
    )
    assert off.code == "6000"


def test_deposit_of_undeposited_funds(books: Books, co: Company) -> None:
    invoice = co.invoice(100)
    payment = co.payment(100, applied(100, "Invoice", invoice["Id"]))
    receipt = books.create(
        "SalesReceipt", {"CustomerRef": {"value": co.customer}, "Line": [line(50, co.item)]}
    )
    deposit = books.create(
        "Deposit",
        {
            "DepositToAccountRef": books.account_ref("Checking"),
            "Line": [
                applied(100, "Payment", payment["Id"]),
                applied(50, "SalesReceipt", receipt["Id"]),
            ],
        },
    )
    assert deposit["TotalAmt"] == 150
    assert books.balance("Undeposited Funds") == 0
    assert books.balance("Checking") == 150
    assert books.read("Payment", payment["Id"])["LinkedTxn"] == [
        {"TxnId": deposit["Id"], "TxnType": "Deposit"}
    ]
    twice = books.fault(
        books.create,
        "Deposit",
        {
            "DepositToAccountRef": books.account_ref("Checking"),
            "Line": [applied(100, "Payment", payment["Id"])],
        },
    )
    assert twice.code == "6000"
    assert books.fault(books.delete, "Payment", payment["Id"]).code == "6000"
    books.delete("Deposit", deposit["Id"])
    assert books.balance("Undeposited Funds") == 150
    assert books.read("Payment", payment["Id"])["LinkedTxn"] == []


def test_faults_for_bad_applications(books: Books, co: Company) -> None:
    invoice = co.invoice(100)
    over = books.fault(co.payment, 200, applied(150, "Invoice", invoice["Id"]))
    assert over.code == "6000" and "open balance" in over.errors[0].detail
    more_than_total = books.fault(co.payment, 50, applied(100, "Invoice", invoice["Id"]))
    assert more_than_total.code == "6000"
    missing = books.fault(co.payment, 50, applied(50, "Invoice", "999"))
    assert missing.code == "2500"
    other = books.create("Customer", {"DisplayName": "Someone Else"})["Id"]
    wrong_customer = books.fault(
        co.payment, 50, applied(50, "Invoice", invoice["Id"]), customer=other
    )
    assert wrong_customer.code == "6000"
    co.payment(60, applied(60, "Invoice", invoice["Id"]))
    assert books.fault(books.delete, "Invoice", invoice["Id"]).code == "6000"
    assert books.fault(books.void, "Invoice", invoice["Id"]).code == "6000"
    shrink = books.fault(
        books.update,
        "Invoice",
        {
            "Id": invoice["Id"],
            "SyncToken": books.read("Invoice", invoice["Id"])["SyncToken"],
            "sparse": True,
            "Line": [line(40, co.item)],
        },
    )
    assert shrink.code == "6000"
    ar_without_customer = books.fault(
        books.create,
        "JournalEntry",
        {
            "Line": [
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": 10,
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": books.account_ref("Accounts Receivable (A/R)"),
                    },
                },
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": 10,
                    "JournalEntryLineDetail": {
                        "PostingType": "Credit",
                        "AccountRef": books.account_ref("Services"),
                    },
                },
            ]
        },
    )
    assert ar_without_customer.code == "6000"
    assert books.ledger_total() == 0


def test_every_type_posts_balanced_and_delete_or_void_undoes_it(books: Books, co: Company) -> None:
    checking, card = books.account_ref("Checking"), books.account_ref("Mastercard")
    supplies = books.account_ref("Supplies")
    made: list[tuple[str, str]] = []

    def make(entity: str, body: dict[str, object]) -> dict[str, object]:
        doc = books.create(entity, body)
        made.append((entity, str(doc["Id"])))
        return doc

    invoice = make("Invoice", {"CustomerRef": {"value": co.customer}, "Line": [line(500, co.item)]})
    make(
        "Payment",
        {
            "CustomerRef": {"value": co.customer},
            "TotalAmt": 200,
            "DepositToAccountRef": checking,
            "Line": [applied(200, "Invoice", str(invoice["Id"]))],
        },
    )
    make(
        "SalesReceipt",
        {
            "CustomerRef": {"value": co.customer},
            "DepositToAccountRef": checking,
            "Line": [line(75, co.item)],
        },
    )
    make(
        "RefundReceipt",
        {
            "CustomerRef": {"value": co.customer},
            "DepositToAccountRef": checking,
            "Line": [line(25, co.item)],
        },
    )
    make("CreditMemo", {"CustomerRef": {"value": co.customer}, "Line": [line(30, co.item)]})
    make("Estimate", {"CustomerRef": {"value": co.customer}, "Line": [line(999, co.item)]})
    bill = make("Bill", {"VendorRef": {"value": co.vendor}, "Line": [expense(300, supplies)]})
    make("VendorCredit", {"VendorRef": {"value": co.vendor}, "Line": [expense(40, supplies)]})
    make(
        "BillPayment",
        {
            "VendorRef": {"value": co.vendor},
            "PayType": "CreditCard",
            "TotalAmt": 100,
            "CreditCardPayment": {"CCAccountRef": card},
            "Line": [applied(100, "Bill", str(bill["Id"]))],
        },
    )
    make(
        "PurchaseOrder",
        {
            "VendorRef": {"value": co.vendor},
            "Line": [
                {
                    "DetailType": "ItemBasedExpenseLineDetail",
                    "Amount": 10,
                    "ItemBasedExpenseLineDetail": {"ItemRef": {"value": co.item}},
                }
            ],
        },
    )
    for payment_type, account in (("Cash", checking), ("Check", checking), ("CreditCard", card)):
        make(
            "Purchase",
            {"PaymentType": payment_type, "AccountRef": account, "Line": [expense(12, supplies)]},
        )
    make(
        "Purchase",
        {
            "PaymentType": "CreditCard",
            "AccountRef": card,
            "Credit": True,
            "Line": [expense(5, supplies)],
        },
    )
    make(
        "Deposit",
        {
            "DepositToAccountRef": checking,
            "Line": [
                {
                    "DetailType": "DepositLineDetail",
                    "Amount": 60,
                    "DepositLineDetail": {"AccountRef": books.account_ref("Interest Earned")},
                }
            ],
        },
    )
    make(
        "Transfer",
        {"FromAccountRef": checking, "ToAccountRef": books.account_ref("Savings"), "Amount": 70},
    )
    make(
        "CreditCardPaymentTxn",
        {"CreditCardAccountRef": card, "BankAccountRef": checking, "Amount": 50},
    )
    make(
        "JournalEntry",
        {
            "Line": [
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": 15,
                    "JournalEntryLineDetail": {
                        "PostingType": "Debit",
                        "AccountRef": books.account_ref("Bank Charges"),
                    },
                },
                {
                    "DetailType": "JournalEntryLineDetail",
                    "Amount": 15,
                    "JournalEntryLineDetail": {"PostingType": "Credit", "AccountRef": checking},
                },
            ]
        },
    )
    rows = books.ledger_rows()
    per_txn: dict[tuple[str, int], int] = {}
    for row in rows:
        key = (row["txn_type"], row["txn_id"])
        per_txn[key] = per_txn.get(key, 0) + row["amount"]
    assert per_txn and all(total == 0 for total in per_txn.values())
    assert {kind for kind, _ in per_txn} == {
        "Invoice",
        "Payment",
        "SalesReceipt",
        "RefundReceipt",
        "CreditMemo",
        "Bill",
        "VendorCredit",
        "BillPayment",
        "Purchase",
        "Deposit",
        "Transfer",
        "CreditCardPaymentTxn",
        "JournalEntry",
    }
    assert books.balance("Checking") == 200 + 75 - 25 - 24 + 60 - 70 - 50 - 15
    assert books.balance("Mastercard") == 100 + 12 - 5 - 50
    assert co.customer_balance() == 500 - 200 - 30
    assert co.vendor_balance() == 300 - 40 - 100
    for entity, object_id in reversed(made):
        if entity in ("Payment", "SalesReceipt", "BillPayment") and object_id.endswith("1"):
            books.void(entity, object_id)
        books.delete(entity, object_id)
    assert_zeroed(books)


def test_void_zeroes_postings_but_keeps_the_invoice(books: Books, co: Company) -> None:
    invoice = co.invoice(100)
    voided = books.void("Invoice", invoice["Id"])
    assert voided["Balance"] == 0 and voided["TotalAmt"] == 0
    assert books.ledger_rows() == []
    assert co.customer_balance() == 0
    assert books.read("Invoice", invoice["Id"])["PrivateNote"].startswith("Voided")


def test_account_opening_balance_and_sub_accounts(books: Books, co: Company) -> None:
    parent = books.create(
        "Account",
        {
            "Name": "Vehicles",
            "AccountType": "Fixed Asset",
            "OpeningBalance": 1000,
            "OpeningBalanceDate": "2026-01-01",
        },
    )
    assert parent["CurrentBalance"] == 1000
    child = books.create(
        "Account",
        {"Name": "Truck", "AccountType": "Fixed Asset", "ParentRef": {"value": parent["Id"]}},
    )
    books.create(
        "Purchase",
        {
            "PaymentType": "Check",
            "AccountRef": books.account_ref("Checking"),
            "Line": [expense(250, {"value": child["Id"]})],
        },
    )
    read = books.read("Account", parent["Id"])
    assert read["CurrentBalance"] == 1000
    assert read["CurrentBalanceWithSubAccounts"] == 1250
    assert books.balance("Opening Balance Equity") == 1000


def test_a_customer_keeps_its_currency_once_it_has_transactions(books: Books, co: Company) -> None:
    euro = books.fault(
        books.create, "Customer", {"DisplayName": "Too Early", "CurrencyRef": {"value": "EUR"}}
    )
    assert euro.code == "6000"
    enable_multicurrency(books)
    customer = books.create(
        "Customer", {"DisplayName": "Switcher", "CurrencyRef": {"value": "GBP"}}
    )
    changed = books.update(
        "Customer",
        {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "CurrencyRef": {"value": "EUR"}},
    )
    assert changed["CurrencyRef"] == {"value": "EUR", "name": "Euro"}
    co.invoice(10, customer=customer["Id"], ExchangeRate="1.1")
    fault = books.fault(
        books.update,
        "Customer",
        {
            "Id": customer["Id"],
            "SyncToken": changed["SyncToken"],
            "sparse": True,
            "CurrencyRef": {"value": "USD"},
        },
    )
    assert fault.code == "6000" and "cannot change" in fault.errors[0].detail
