"""Transactions: dates, currency, lines, document numbers, totals, tax and postings.

Totals are computed from the lines exactly as QBO does, with Decimal arithmetic. The last
rule of every posting transaction, :class:`PostingRule`, books it in the ledger
(``qbo.emulator.ledger``), which derives balances (Invoice.Balance, Customer.Balance,
Account.CurrentBalance, ...) from the postings in the same database transaction.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.domain.sales_tax import sales_tax
from qbo.emulator.ledger.book import book, unbook
from qbo.emulator.ledger.currency import apply_currency
from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import local_date
from qbo.emulator.values import ZERO, dec, money, ref_id, tidy
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode

SALES_FORMS = ("Invoice", "Estimate", "SalesReceipt", "CreditMemo", "RefundReceipt")
NUMBERED = (*SALES_FORMS, "PurchaseOrder")
AUTO_GENERATE = "AUTO_GENERATE"
AUTO_GENERATE_ALLOWED = ("Invoice", "Estimate", "SalesReceipt")
FIRST_DOC_NUMBER = 1001
SALES_LINE = "SalesItemLineDetail"
GROUP_LINE = "GroupLineDetail"
DISCOUNT_LINE = "DiscountLineDetail"
SUBTOTAL_LINE = "SubTotalLineDetail"
ITEM_EXPENSE_LINE = "ItemBasedExpenseLineDetail"
#: Recorded answers: these entities' lines have no LineNum.
UNNUMBERED_LINES = ("JournalEntry", "Payment")


def lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    value = doc.get("Line")
    return value if isinstance(value, list) else []


def detail_of(line: dict[str, Any]) -> str:
    return str(line.get("DetailType", ""))


def _numbered(entity: str, given: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Lines as QBO numbers them: Ids "1", "2"... and LineNum, except where recorded
    answers differ (journal entry lines have Ids from "0" and no LineNum; payment lines
    have neither). A line keeps an Id it was sent; the subtotal line is recomputed."""
    kept = [ln for ln in given if detail_of(ln) != SUBTOTAL_LINE]
    if entity in UNNUMBERED_LINES:
        for line in kept:
            line.pop("LineNum", None)
            if entity == "Payment":
                line.pop("Id", None)
        if entity == "Payment":
            return kept
    used = {str(ln["Id"]) for ln in kept if "Id" in ln}
    next_id = 0 if entity == "JournalEntry" else 1
    for number, line in enumerate(kept, start=1):
        if "Id" not in line:
            while str(next_id) in used:
                next_id += 1
            line["Id"] = str(next_id)
            used.add(line["Id"])
        if entity not in UNNUMBERED_LINES:
            line.setdefault("LineNum", number)
    return kept


class TxnRule(Rule):
    """Common to every transaction: TxnDate, currency, line numbering."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if "TxnDate" in entity.fields:
            doc.setdefault("TxnDate", local_date(s.now, s.realm.timezone).isoformat())
        if "CurrencyRef" in entity.fields:
            apply_currency(s, entity, doc)
        if "Line" in doc:
            doc["Line"] = _numbered(entity.name, lines(doc))
        if entity.name != "JournalEntry":  # recorded: no empty LinkedTxn/CustomField keys
            for prop in ("LinkedTxn", "CustomField"):
                if prop in entity.fields:
                    doc.setdefault(prop, [])

    def void(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        for prop in (
            "TotalAmt",
            "Balance",
            "HomeTotalAmt",
            "HomeBalance",
            "UnappliedAmt",
            "Amount",
        ):
            if prop in doc:
                doc[prop] = ZERO
        for line in lines(doc):
            line["Amount"] = ZERO
            detail = line.get(detail_of(line))
            if isinstance(detail, dict):
                for prop in ("Qty", "UnitPrice"):
                    if prop in detail:
                        detail[prop] = ZERO
        if "TxnTaxDetail" in doc:
            doc["TxnTaxDetail"] = {"TotalTax": ZERO}
        note = str(doc.get("PrivateNote", "")).strip()
        doc["PrivateNote"] = "Voided" if not note else f"Voided - {note}"


class DocNumberRule(Rule):
    """Sequential DocNumber when omitted, AUTO_GENERATE, and duplicates (6140)."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        given = doc.get("DocNumber")
        custom = s.custom_txn_numbers()
        if given == AUTO_GENERATE:
            if entity.name not in AUTO_GENERATE_ALLOWED:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"AUTO_GENERATE is not supported for {entity.name}",
                    element="DocNumber",
                )
            given = None
            custom = False
        if given is None:
            if old is not None and old.get("DocNumber") and doc is not old:
                return
            if custom:
                return
            doc["DocNumber"] = self._next_free(s, entity.name)
            return
        if "allowduplicatedocnum" in s.include:
            return
        for other in s.find(entity.name, "DocNumber", given, limit=2):
            if other.get("Id") != doc.get("Id"):
                raise Fault.of(
                    FaultCode.DUPLICATE_DOC_NUMBER,
                    f"Duplicate Document Number Error : You must specify a different number. "
                    f"This number has already been used. DocNumber={given} is assigned to TxnType="
                    f"{entity.name} with TxnId={other.get('Id')}",
                    element="DocNumber",
                )

    @staticmethod
    def _next_free(s: Session, entity: str) -> str:
        while True:
            candidate = str(s.next_value(f"docnumber:{entity}", FIRST_DOC_NUMBER))
            if not s.find(entity, "DocNumber", candidate, limit=1):
                return candidate


def check_amount(detail: dict[str, Any], line: dict[str, Any], index: int) -> None:
    """Qty x UnitPrice must equal Amount when both are given (6070).

    Both zero is no price at all: QBO skips the check (clients that serialise every
    attribute send ``"Qty": 0, "UnitPrice": 0`` with a real Amount on each sales line).
    """
    qty, price = detail.get("Qty"), detail.get("UnitPrice")
    amount = line.get("Amount")
    unpriced = qty is not None and price is not None and dec(qty) == 0 and dec(price) == 0
    if qty is not None and price is not None and not (unpriced and amount is not None):
        expected = money(dec(qty) * dec(price))
        if amount is None:
            line["Amount"] = expected
        elif money(dec(amount)) != expected:
            raise Fault.of(
                FaultCode.AMOUNT_CALCULATION,
                f"Amount is not equal to UnitPrice * Qty. Supplied value:{tidy(dec(amount))} "
                f"for Line {index + 1}, expected {expected}",
                element="Line.Amount",
            )
    if line.get("Amount") is None:
        raise Fault.of(
            FaultCode.REQUIRED_MISSING,
            f"Required parameter Line.Amount is missing in the request (Line {index + 1})",
            element="Line.Amount",
        )


def _is_taxable(detail: dict[str, Any], item: dict[str, Any] | None) -> bool:
    """A US sales line is taxable with TaxCodeRef TAX; without one, when its item is."""
    code = ref_id(detail.get("TaxCodeRef"))
    if code is not None:
        return code.upper() == "TAX"
    return bool(item and item.get("Taxable"))


class SalesFormRule(Rule):
    """Invoice, Estimate, SalesReceipt, CreditMemo, RefundReceipt: lines, discount, tax, totals."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        subtotal = taxable = ZERO
        discount_lines: list[dict[str, Any]] = []
        for index, line in enumerate(lines(doc)):
            kind = detail_of(line)
            if kind == SALES_LINE:
                detail = line.setdefault(SALES_LINE, {})
                check_amount(detail, line, index)
                item_id = ref_id(detail.get("ItemRef"))
                item = s.peek("Item", item_id) if item_id is not None else None
                if (
                    item is not None
                    and "ItemAccountRef" not in detail
                    and item.get("IncomeAccountRef")
                ):
                    detail["ItemAccountRef"] = dict(item["IncomeAccountRef"])
                subtotal += dec(line["Amount"])
                if _is_taxable(detail, item):
                    taxable += dec(line["Amount"])
            elif kind == GROUP_LINE:
                subtotal += dec(line.get("Amount"))
            elif kind == DISCOUNT_LINE:
                discount_lines.append(line)
        discount = ZERO
        for line in discount_lines:
            detail = line.setdefault(DISCOUNT_LINE, {})
            if detail.get("PercentBased") and detail.get("DiscountPercent") is not None:
                line["Amount"] = money(subtotal * dec(detail["DiscountPercent"]) / Decimal(100))
            elif line.get("Amount") is None:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    "Required parameter Line.Amount is missing for a discount line that is not "
                    "percent based",
                    element="Line.Amount",
                )
            discount += dec(line.get("Amount"))
        if discount > subtotal:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"The discount ({tidy(discount)}) is more than the subtotal ({tidy(subtotal)})",
                element="Line.Amount",
            )
        doc.setdefault("ApplyTaxAfterDiscount", False)
        customer_id = ref_id(doc.get("CustomerRef"))
        customer = s.peek("Customer", customer_id) if customer_id else None
        tax_detail = sales_tax(
            s,
            doc.get("TxnTaxDetail") or {},
            taxable,
            subtotal,
            discount,
            bool(doc.get("ApplyTaxAfterDiscount")),
            exempt=customer is not None and customer.get("Taxable") is False,
        )
        total_tax = dec(tax_detail.get("TotalTax"))
        doc["TxnTaxDetail"] = tax_detail
        total = money(subtotal - discount + total_tax)
        doc["Line"] = [
            *lines(doc),
            {"Amount": tidy(subtotal), "DetailType": SUBTOTAL_LINE, SUBTOTAL_LINE: {}},
        ]
        doc["TotalAmt"] = total
        doc.setdefault("PrintStatus", "NotSet")
        if "EmailStatus" in entity.fields:
            doc.setdefault("EmailStatus", "NotSet")
        self._from_customer(s, entity, doc)
        if "FreeFormAddress" in entity.fields:
            # QBO reports whether the bill-to address is free-form text; addresses copied
            # from the customer are structured.
            doc.setdefault("FreeFormAddress", False)
        if entity.name == "Invoice":
            # Balance and HomeBalance are set by the ledger from the open item.
            doc.setdefault("Deposit", ZERO)
            doc["Balance"] = money(total - dec(doc.get("Deposit")))
            for flag in (
                "AllowIPNPayment",
                "AllowOnlinePayment",
                "AllowOnlineCreditCardPayment",
                "AllowOnlineACHPayment",
            ):
                doc.setdefault(flag, False)
        elif entity.name == "CreditMemo":
            doc["Balance"] = total
            doc["RemainingCredit"] = total
        elif "Balance" in entity.fields:
            doc["Balance"] = ZERO

    @staticmethod
    def _from_customer(s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        customer_id = ref_id(doc.get("CustomerRef"))
        customer = s.peek("Customer", customer_id) if customer_id else None
        if customer is None:
            return
        for prop, source in (("BillAddr", "BillAddr"), ("ShipAddr", "ShipAddr")):
            if prop in entity.fields and prop not in doc and source in customer:
                doc[prop] = dict(customer[source])
        email = customer.get("PrimaryEmailAddr", {}).get("Address")
        if "BillEmail" in entity.fields and "BillEmail" not in doc and email:
            doc["BillEmail"] = {"Address": email}
        if entity.name == "Invoice":
            term_id = (
                ref_id(doc.get("SalesTermRef"))
                or ref_id(customer.get("SalesTermRef"))
                or s.default_term_id()
            )
            term = s.peek("Term", term_id) if term_id else None
            if term is not None:
                doc.setdefault("SalesTermRef", {"value": term["Id"], "name": term.get("Name", "")})
                if "DueDate" not in doc:
                    doc["DueDate"] = due_date(date.fromisoformat(doc["TxnDate"]), term).isoformat()
            doc.setdefault("DueDate", doc["TxnDate"])


def due_date(txn_date: date, term: dict[str, Any]) -> date:
    """DueDate from a standard (DueDays) or date-driven (DayOfMonthDue) term."""
    if term.get("DueDays") is not None:
        return txn_date + timedelta(days=int(term["DueDays"]))
    day = term.get("DayOfMonthDue")
    if day is not None:
        month_start = date(txn_date.year + txn_date.month // 12, txn_date.month % 12 + 1, 1)
        last_day = (
            date(month_start.year + month_start.month // 12, month_start.month % 12 + 1, 1)
            - timedelta(days=1)
        ).day
        return month_start.replace(day=min(int(day), last_day))
    return txn_date


class PurchaseFormRule(Rule):
    """Bill, VendorCredit, PurchaseOrder, Purchase: totals from expense lines."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        total = ZERO
        for index, line in enumerate(lines(doc)):
            if detail_of(line) == ITEM_EXPENSE_LINE:
                check_amount(line.setdefault(ITEM_EXPENSE_LINE, {}), line, index)
            if line.get("Amount") is None:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    f"Required parameter Line.Amount is missing in the request (Line {index + 1})",
                    element="Line.Amount",
                )
            total += dec(line["Amount"])
        doc["TotalAmt"] = money(total)
        if entity.name == "Bill":
            doc["Balance"] = money(total)  # the ledger sets the open balance
            vendor_id = ref_id(doc.get("VendorRef"))
            vendor = s.get("Vendor", vendor_id) if vendor_id else None
            term_id = ref_id(doc.get("SalesTermRef")) or (
                ref_id(vendor.get("TermRef")) if vendor else None
            )
            term = s.peek("Term", term_id) if term_id else None
            if "DueDate" not in doc:
                txn_date = date.fromisoformat(doc["TxnDate"])
                doc["DueDate"] = (due_date(txn_date, term) if term else txn_date).isoformat()
        elif entity.name == "VendorCredit":
            doc["Balance"] = money(total)
        elif entity.name == "PurchaseOrder":
            doc.setdefault("POStatus", "Open")


class SumLinesRule(Rule):
    """Deposit: TotalAmt is the sum of the line amounts less any cash back."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        total = sum((dec(line.get("Amount")) for line in lines(doc)), ZERO)
        for index, line in enumerate(lines(doc)):
            if line.get("Amount") is None or dec(line.get("Amount")) < 0:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"Deposit Line {index + 1} needs a positive Amount",
                    element="Line.Amount",
                )
        cash_back = doc.get("CashBack")
        if isinstance(cash_back, dict):
            back = dec(cash_back.get("Amount"))
            if back < 0 or back > total:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    "CashBack.Amount must be between zero and the sum of the deposit lines",
                    element="CashBack.Amount",
                )
            total -= back
        doc["TotalAmt"] = money(total)


class PaymentRule(Rule):
    """Payment and BillPayment: a non-negative total and positive line amounts.

    What the lines may be applied to, and the unapplied amount, follow from the ledger's
    open items (``ledger.openitems``): applying more than a document's open balance, or
    more than the payment's total, is a business validation fault (6000).
    """

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        total = dec(doc.get("TotalAmt"))
        if total < 0:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION, "TotalAmt cannot be negative", element="TotalAmt"
            )
        for index, line in enumerate(lines(doc)):
            if dec(line.get("Amount")) < 0:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"Line {index + 1} Amount cannot be negative",
                    element="Line.Amount",
                )
        doc["TotalAmt"] = money(total)
        if entity.name == "Payment":
            doc["UnappliedAmt"] = doc["TotalAmt"]  # set from the ledger when booked
            doc.setdefault("ProcessPayment", False)

    def void(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        doc["Line"] = []
        if entity.name == "Payment":
            doc["UnappliedAmt"] = ZERO


class JournalEntryRule(Rule):
    """Debits must equal credits, with at least one of each."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        debits = credits = ZERO
        for index, line in enumerate(lines(doc)):
            detail = line.get("JournalEntryLineDetail")
            if not isinstance(detail, dict) or "PostingType" not in detail:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    f"Required parameter Line.JournalEntryLineDetail.PostingType is missing (Line {index + 1})",
                    element="PostingType",
                )
            if "AccountRef" not in detail:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    f"Required parameter Line.JournalEntryLineDetail.AccountRef is missing (Line {index + 1})",
                    element="AccountRef",
                )
            amount = dec(line.get("Amount"))
            if detail["PostingType"] == "Debit":
                debits += amount
            else:
                credits += amount
        if debits == 0 or credits == 0 or money(debits) != money(credits):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Journal Entry must have at least one debit and one credit, and debits ({tidy(debits)}) "
                f"must equal credits ({tidy(credits)})",
            )
        doc["TotalAmt"] = money(debits)
        doc.setdefault("Adjustment", False)


class PositiveAmountRule(Rule):
    """Transfer and CreditCardPaymentTxn: one positive Amount."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        amount = dec(doc.get("Amount"))
        if amount <= 0:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION, "Amount must be greater than zero", element="Amount"
            )
        doc["Amount"] = tidy(amount)
        if entity.name == "Transfer" and ref_id(doc.get("FromAccountRef")) == ref_id(
            doc.get("ToAccountRef")
        ):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                "FromAccountRef and ToAccountRef must be different accounts",
                element="ToAccountRef",
            )


class PostingRule(Rule):
    """Books the transaction in the ledger: the last rule of every posting entity.

    Create posts, update replaces the postings, delete removes them and void zeroes them,
    all in the request's own database transaction. Deleting or voiding a document that a
    payment or deposit is applied to is refused (6000); delete or void that first.
    """

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if entity.name == "Item" and old is not None:
            # Quantity on hand is derived from the postings; change it with an
            # InventoryAdjustment, not by editing the item.
            for prop in ("QtyOnHand", "AvgCost"):
                if prop in old:
                    doc[prop] = old[prop]
                else:
                    doc.pop(prop, None)
            return
        if entity.name == "Account" and old is not None:
            return  # an opening balance is entered once, when the account is created
        book(s, entity.name, doc, is_new=old is None)

    def void(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        unbook(s, entity.name, doc, voided=True)

    def delete(self, s: Session, entity: EntityDef, doc: dict[str, Any]) -> None:
        unbook(s, entity.name, doc, voided=False)


#: Entities that write ledger entries.
POSTING = (
    "Invoice",
    "SalesReceipt",
    "CreditMemo",
    "RefundReceipt",
    "Payment",
    "Bill",
    "VendorCredit",
    "Purchase",
    "BillPayment",
    "Deposit",
    "Transfer",
    "JournalEntry",
    "InventoryAdjustment",
    "CreditCardPaymentTxn",
    "Item",
    "Account",
)
