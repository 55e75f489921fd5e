"""Posting rules: the ledger entries each transaction type writes.

Every function turns a finished document (totals computed, references checked) into
balanced entries in the transaction's currency; the booking step converts them to home
amounts. Debits are positive. Estimate, PurchaseOrder and TimeActivity post nothing.

Summary (D = debit, C = credit):
- Invoice: D A/R total (open item); C income per sales line; D discount; C Sales Tax
  Payable; inventory lines C Inventory Asset / D COGS at FIFO cost. CreditMemo: reversed.
- SalesReceipt: as Invoice with DepositToAccountRef (default Undeposited Funds) for A/R.
  RefundReceipt: reversed.
- Payment: D deposit account total; C A/R per invoice applied (D per credit memo); the
  unapplied rest C A/R as the payment's own open credit.
- Bill: C A/P total (open item); D expense or inventory per line. VendorCredit: reversed.
  Purchase: C the bank/credit-card account (reversed when ``Credit``).
- BillPayment: C bank or credit card total; D A/P per bill (C per vendor credit).
- Deposit: D deposit account; C Undeposited Funds per linked payment/receipt, C the line's
  account otherwise; cash back D its account.
- Transfer, CreditCardPaymentTxn: one debit, one credit. JournalEntry: its lines.
- InventoryAdjustment: quantity in at the item's PurchaseCost, out at FIFO cost, against
  AdjustAccountRef. Item (inventory starting value): D Inventory Asset, C Opening Balance
  Equity. Account (opening balance): the account against Opening Balance Equity.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from qbo.emulator.ledger.accounts import account_type, system_account
from qbo.emulator.ledger.entries import (
    AP,
    AR,
    COGS,
    INV_IN,
    INV_OUT,
    TAX,
    UF,
    Entry,
    home_cents,
    to_cents,
)
from qbo.emulator.ledger.openitems import check_depositable, link_side
from qbo.emulator.store.session import Session
from qbo.emulator.values import ZERO, dec, ref_id
from qbo.schema.faults import Fault, FaultCode

SALES_LINE = "SalesItemLineDetail"
GROUP_LINE = "GroupLineDetail"
DISCOUNT_LINE = "DiscountLineDetail"
ACCOUNT_EXPENSE = "AccountBasedExpenseLineDetail"
ITEM_EXPENSE = "ItemBasedExpenseLineDetail"

#: Where a payment line may point, and on which side of A/R or A/P the document sits.
AR_DOCS = ("Invoice", "CreditMemo", "JournalEntry")
AP_DOCS = ("Bill", "VendorCredit", "JournalEntry")
DEPOSITABLE = ("Payment", "SalesReceipt")


def num(value: Any) -> int | None:
    """The integer id inside a reference (None for missing or non-numeric ids)."""
    rid = ref_id(value)
    if rid is None:
        return None
    try:
        return int(rid)
    except ValueError:
        return None


def cents(value: Any) -> int:
    return to_cents(dec(value))


def lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    value = doc.get("Line")
    return value if isinstance(value, list) else []


def first_link(line: dict[str, Any]) -> tuple[str, int] | None:
    links = line.get("LinkedTxn")
    if not isinstance(links, list) or not links:
        return None
    link = links[0]
    try:
        return str(link.get("TxnType", "")), int(str(link.get("TxnId")))
    except (TypeError, ValueError):
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Property Name:Line.LinkedTxn.TxnId specified is unsupported or invalid: {link.get('TxnId')!r}",
            element="Line.LinkedTxn.TxnId",
        ) from None


def _item(s: Session, item_id: int | None) -> dict[str, Any] | None:
    return s.peek("Item", item_id) if item_id is not None else None


def _doc_tags(doc: dict[str, Any]) -> dict[str, Any]:
    return {"class_id": num(doc.get("ClassRef")), "department_id": num(doc.get("DepartmentRef"))}


def _sales_lines(doc: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Sales lines, with a group's nested lines in its place."""
    for line in lines(doc):
        kind = line.get("DetailType")
        if kind == SALES_LINE:
            yield line
        elif kind == GROUP_LINE:
            nested = (line.get(GROUP_LINE) or {}).get("Line") or []
            inner = [n for n in nested if n.get("DetailType") == SALES_LINE]
            yield from inner
            rest = dec(line.get("Amount")) - sum((dec(n.get("Amount")) for n in inner), ZERO)
            if rest:
                yield {
                    "Id": line.get("Id"),
                    "Amount": rest,
                    "DetailType": SALES_LINE,
                    SALES_LINE: {},
                }


def _inventory_out(
    s: Session, item: dict[str, Any], qty: Decimal, line_id: str | None, tags: dict[str, Any]
) -> list[Entry]:
    """A movement costed later by the FIFO replay: asset row then its cost row."""
    asset = num(item.get("AssetAccountRef")) or system_account(s, "inventory")
    cost_account = num(item.get("ExpenseAccountRef")) or system_account(s, "cogs")
    item_id = int(item["Id"])
    return [
        Entry(asset, 0, role=INV_OUT, item_id=item_id, qty=qty, line_id=line_id, **tags),
        Entry(cost_account, 0, role=COGS, item_id=item_id, line_id=line_id, **tags),
    ]


def post_sales(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    sign = 1 if name in ("Invoice", "SalesReceipt") else -1
    tags: dict[str, Any] = {"customer_id": num(doc.get("CustomerRef")), **_doc_tags(doc)}
    own = int(doc["Id"])
    total = cents(doc.get("TotalAmt"))
    out: list[Entry] = []
    if name in ("Invoice", "CreditMemo"):
        out.append(
            Entry(
                system_account(s, "ar"),
                sign * total,
                role=AR,
                open_type=name,
                open_id=own,
                due_date=doc.get("DueDate") or doc.get("TxnDate"),
                **tags,
            )
        )
    else:
        target = num(doc.get("DepositToAccountRef")) or system_account(s, "uf")
        in_uf = target == system_account(s, "uf") and name == "SalesReceipt"
        out.append(
            Entry(
                target,
                sign * total,
                role=UF if in_uf else None,
                open_type=name if in_uf else None,
                open_id=own if in_uf else None,
                **tags,
            )
        )
    for line in _sales_lines(doc):
        detail = line.get(SALES_LINE) or {}
        item = _item(s, num(detail.get("ItemRef")))
        account = (
            num(detail.get("ItemAccountRef"))
            or (num(item.get("IncomeAccountRef")) if item else None)
            or system_account(s, "income")
        )
        qty = detail.get("Qty")
        line_tags = {**tags, "class_id": num(detail.get("ClassRef")) or tags["class_id"]}
        out.append(
            Entry(
                account,
                -sign * cents(line.get("Amount")),
                line_id=line.get("Id"),
                item_id=int(item["Id"]) if item else None,
                qty=None if qty is None else sign * dec(qty),
                memo=line.get("Description"),
                **line_tags,
            )
        )
        if item is not None and item.get("Type") == "Inventory" and qty is not None and dec(qty):
            out.extend(_inventory_out(s, item, -sign * dec(qty), line.get("Id"), line_tags))
    for line in lines(doc):
        if line.get("DetailType") == DISCOUNT_LINE:
            detail = line.get(DISCOUNT_LINE) or {}
            account = num(detail.get("DiscountAccountRef")) or system_account(s, "discount")
            out.append(
                Entry(account, sign * cents(line.get("Amount")), line_id=line.get("Id"), **tags)
            )
    tax = cents((doc.get("TxnTaxDetail") or {}).get("TotalTax"))
    if tax:
        out.append(Entry(system_account(s, "tax"), -sign * tax, role=TAX, **tags))
    deposit = cents(doc.get("Deposit")) if name == "Invoice" else 0
    if deposit:
        target = num(doc.get("DepositToAccountRef")) or system_account(s, "uf")
        out.append(Entry(target, deposit, **tags))
        out.append(
            Entry(system_account(s, "ar"), -deposit, role=AR, open_type=name, open_id=own, **tags)
        )
    return out


def _expense_lines(s: Session, doc: dict[str, Any], sign: int, tags: dict[str, Any]) -> list[Entry]:
    out: list[Entry] = []
    for line in lines(doc):
        kind = line.get("DetailType")
        amount = sign * cents(line.get("Amount"))
        if kind == ACCOUNT_EXPENSE:
            detail = line.get(ACCOUNT_EXPENSE) or {}
            account = num(detail.get("AccountRef"))
            if account is None:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    f"Required parameter Line.AccountBasedExpenseLineDetail.AccountRef is missing (Line {line.get('Id')})",
                    element="AccountRef",
                )
            out.append(
                Entry(
                    account,
                    amount,
                    line_id=line.get("Id"),
                    memo=line.get("Description"),
                    **{
                        **tags,
                        "customer_id": num(detail.get("CustomerRef")) or tags.get("customer_id"),
                        "class_id": num(detail.get("ClassRef")) or tags.get("class_id"),
                    },
                )
            )
        elif kind == ITEM_EXPENSE:
            detail = line.get(ITEM_EXPENSE) or {}
            item = _item(s, num(detail.get("ItemRef")))
            if item is None:
                raise Fault.of(
                    FaultCode.REQUIRED_MISSING,
                    "Required parameter Line.ItemBasedExpenseLineDetail.ItemRef is missing",
                    element="ItemRef",
                )
            line_tags = {
                **tags,
                "customer_id": num(detail.get("CustomerRef")) or tags.get("customer_id"),
                "class_id": num(detail.get("ClassRef")) or tags.get("class_id"),
            }
            qty = detail.get("Qty")
            if item.get("Type") == "Inventory":
                asset = num(item.get("AssetAccountRef")) or system_account(s, "inventory")
                moved = sign * dec(qty if qty is not None else 0)
                out.append(
                    Entry(
                        asset,
                        amount,
                        role=INV_IN,
                        item_id=int(item["Id"]),
                        qty=moved,
                        line_id=line.get("Id"),
                        memo=line.get("Description"),
                        **line_tags,
                    )
                )
            else:
                account = num(item.get("ExpenseAccountRef")) or system_account(s, "cogs")
                out.append(
                    Entry(
                        account,
                        amount,
                        item_id=int(item["Id"]),
                        line_id=line.get("Id"),
                        memo=line.get("Description"),
                        **line_tags,
                    )
                )
    return out


def _payee(doc: dict[str, Any]) -> dict[str, Any]:
    ref = doc.get("VendorRef") or doc.get("EntityRef")
    kind = ref.get("type") if isinstance(ref, dict) else None
    if doc.get("VendorRef") is not None or kind in (None, "Vendor"):
        return {"vendor_id": num(ref), "customer_id": None}
    if kind == "Customer":
        return {"vendor_id": None, "customer_id": num(ref)}
    return {"vendor_id": None, "customer_id": None}


def post_purchase(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    own = int(doc["Id"])
    tags: dict[str, Any] = {**_payee(doc), **_doc_tags(doc)}
    total = cents(doc.get("TotalAmt"))
    if name == "Bill":
        control = Entry(
            system_account(s, "ap"),
            -total,
            role=AP,
            open_type=name,
            open_id=own,
            due_date=doc.get("DueDate") or doc.get("TxnDate"),
            **tags,
        )
        sign = 1
    elif name == "VendorCredit":
        control = Entry(
            system_account(s, "ap"), total, role=AP, open_type=name, open_id=own, **tags
        )
        sign = -1
    else:
        sign = -1 if doc.get("Credit") is True else 1
        account = num(doc.get("AccountRef"))
        assert account is not None  # required, and checked before posting
        control = Entry(account, -sign * total, **tags)
    return [control, *_expense_lines(s, doc, sign, tags)]


def _link_entries(
    s: Session, name: str, doc: dict[str, Any], control: int, role: str, allowed: tuple[str, ...]
) -> tuple[list[Entry], int]:
    """Entries applying a payment's lines to open documents, and the net amount applied."""

    out: list[Entry] = []
    applied = 0
    name_key: str = "customer_id" if role == AR else "vendor_id"
    party = num(doc.get("CustomerRef") if role == AR else doc.get("VendorRef"))
    for index, line in enumerate(lines(doc)):
        link = first_link(line)
        if link is None:
            continue
        kind, target = link
        if kind not in allowed:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"{name} Line {index + 1} cannot be applied to a {kind}: use one of {', '.join(allowed)}",
                element="Line.LinkedTxn.TxnType",
            )
        amount = cents(line.get("Amount"))
        side, home_rate = link_side(s, name, doc, kind, target, role, index)
        # side +1: the document is a receivable-like debit (paying it credits A/R);
        # for A/P the signs are mirrored by the caller's role.
        sign = -side

        out.append(
            Entry(
                control,
                sign * amount,
                home=home_cents(sign * amount, home_rate),
                role=role,
                open_type=kind,
                open_id=target,
                line_id=line.get("Id"),
                **{name_key: party, **_doc_tags(doc)},
            )
        )
        applied += side * amount if role == AR else -side * amount
    return out, applied


def post_payment(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    own = int(doc["Id"])
    tags: dict[str, Any] = {"customer_id": num(doc.get("CustomerRef")), **_doc_tags(doc)}
    total = cents(doc.get("TotalAmt"))
    ar = num(doc.get("ARAccountRef")) or system_account(s, "ar")
    target = num(doc.get("DepositToAccountRef")) or system_account(s, "uf")
    in_uf = target == system_account(s, "uf")
    out = [
        Entry(
            target,
            total,
            role=UF if in_uf else None,
            open_type=name if in_uf else None,
            open_id=own if in_uf else None,
            **tags,
        )
    ]
    links, applied = _link_entries(s, name, doc, ar, AR, AR_DOCS)
    out.extend(links)
    unapplied = total - applied
    if unapplied < 0:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"The amount applied ({applied / 100:.2f}) is more than the payment's TotalAmt ({total / 100:.2f})",
            element="Line.Amount",
        )
    if unapplied:
        out.append(Entry(ar, -unapplied, role=AR, open_type=name, open_id=own, **tags))
    return out


def post_bill_payment(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    own = int(doc["Id"])
    tags: dict[str, Any] = {"vendor_id": num(doc.get("VendorRef")), **_doc_tags(doc)}
    total = cents(doc.get("TotalAmt"))
    ap = num(doc.get("APAccountRef")) or system_account(s, "ap")
    if doc.get("PayType") == "CreditCard":
        source = num((doc.get("CreditCardPayment") or {}).get("CCAccountRef"))
    else:
        source = num((doc.get("CheckPayment") or {}).get("BankAccountRef"))
    if source is None:
        raise Fault.of(
            FaultCode.REQUIRED_MISSING,
            "Required parameter CheckPayment.BankAccountRef or CreditCardPayment.CCAccountRef is missing",
            element="BankAccountRef",
        )
    out = [Entry(source, -total, **tags)]
    links, applied = _link_entries(s, name, doc, ap, AP, AP_DOCS)
    out.extend(links)
    unapplied = total - applied
    if unapplied < 0:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"The amount applied ({applied / 100:.2f}) is more than the bill payment's TotalAmt ({total / 100:.2f})",
            element="Line.Amount",
        )
    if unapplied:
        out.append(Entry(ap, unapplied, role=AP, open_type=name, open_id=own, **tags))
    return out


def post_deposit(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:

    tags = _doc_tags(doc)
    target = num(doc.get("DepositToAccountRef"))
    assert target is not None
    out = [Entry(target, cents(doc.get("TotalAmt")), **tags)]
    uf = system_account(s, "uf")
    for index, line in enumerate(lines(doc)):
        amount = cents(line.get("Amount"))
        link = first_link(line)
        if link is not None:
            kind, source = link
            if kind not in DEPOSITABLE:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"Deposit Line {index + 1} links a {kind}: only Payment and SalesReceipt "
                    "amounts held in Undeposited Funds can be deposited",
                    element="Line.LinkedTxn.TxnType",
                )
            party = check_depositable(s, kind, source, index)
            out.append(
                Entry(
                    uf,
                    -amount,
                    role=UF,
                    open_type=kind,
                    open_id=source,
                    line_id=line.get("Id"),
                    customer_id=party,
                    **tags,
                )
            )
            continue
        detail = line.get("DepositLineDetail") or {}
        account = num(detail.get("AccountRef"))
        if account is None:
            raise Fault.of(
                FaultCode.REQUIRED_MISSING,
                f"Required parameter Line.DepositLineDetail.AccountRef is missing (Line {index + 1})",
                element="AccountRef",
            )
        entity = detail.get("Entity")
        party_kind = entity.get("type") if isinstance(entity, dict) else None
        out.append(
            Entry(
                account,
                -amount,
                line_id=line.get("Id"),
                memo=line.get("Description"),
                customer_id=num(entity) if party_kind == "Customer" else None,
                vendor_id=num(entity) if party_kind == "Vendor" else None,
                **{**tags, "class_id": num(detail.get("ClassRef")) or tags["class_id"]},
            )
        )
    cash_back = doc.get("CashBack")
    if isinstance(cash_back, dict) and cents(cash_back.get("Amount")):
        account = num(cash_back.get("AccountRef"))
        if account is None:
            raise Fault.of(
                FaultCode.REQUIRED_MISSING,
                "Required parameter CashBack.AccountRef is missing",
                element="CashBack.AccountRef",
            )
        out.append(
            Entry(account, cents(cash_back.get("Amount")), memo=cash_back.get("Memo"), **tags)
        )
    return out


def post_transfer(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    amount = cents(doc.get("Amount"))
    tags = _doc_tags(doc)
    to, source = num(doc.get("ToAccountRef")), num(doc.get("FromAccountRef"))
    assert to is not None and source is not None
    return [Entry(to, amount, **tags), Entry(source, -amount, **tags)]


def post_cc_payment(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    amount = cents(doc.get("Amount"))
    tags: dict[str, Any] = {"vendor_id": num(doc.get("VendorRef")), **_doc_tags(doc)}
    card, bank = num(doc.get("CreditCardAccountRef")), num(doc.get("BankAccountRef"))
    assert card is not None and bank is not None
    return [Entry(card, amount, **tags), Entry(bank, -amount, **tags)]


def post_journal(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    own = int(doc["Id"])
    out: list[Entry] = []
    for index, line in enumerate(lines(doc)):
        detail = line.get("JournalEntryLineDetail") or {}
        account = num(detail.get("AccountRef"))
        assert account is not None
        sign = 1 if detail.get("PostingType") == "Debit" else -1
        entity = detail.get("Entity") or {}
        ref = entity.get("EntityRef") if isinstance(entity, dict) else None
        kind = (entity.get("Type") if isinstance(entity, dict) else None) or (
            ref.get("type") if isinstance(ref, dict) else None
        )
        customer = num(ref) if kind == "Customer" else None
        vendor = num(ref) if kind == "Vendor" else None
        atype = account_type(s, account)
        role = None
        open_type: str | None = None
        if atype == "Accounts Receivable":
            if customer is None:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"Journal Entry Line {index + 1} posts to Accounts Receivable: it needs a customer "
                    "(JournalEntryLineDetail.Entity with Type Customer)",
                    element="Entity",
                )
            role, open_type = AR, name
        elif atype == "Accounts Payable":
            if vendor is None:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"Journal Entry Line {index + 1} posts to Accounts Payable: it needs a vendor "
                    "(JournalEntryLineDetail.Entity with Type Vendor)",
                    element="Entity",
                )
            role, open_type = AP, name
        out.append(
            Entry(
                account,
                sign * cents(line.get("Amount")),
                role=role,
                open_type=open_type,
                open_id=own if open_type else None,
                line_id=line.get("Id"),
                customer_id=customer,
                vendor_id=vendor,
                memo=line.get("Description"),
                class_id=num(detail.get("ClassRef")) or num(doc.get("ClassRef")),
                department_id=num(detail.get("DepartmentRef")) or num(doc.get("DepartmentRef")),
                due_date=doc.get("TxnDate") if open_type else None,
            )
        )
    return out


def post_inventory_adjustment(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    adjust = num(doc.get("AdjustAccountRef"))
    assert adjust is not None
    tags: dict[str, Any] = {"customer_id": num(doc.get("CustomerRef")), **_doc_tags(doc)}
    out: list[Entry] = []
    for index, line in enumerate(lines(doc)):
        detail = line.get("ItemAdjustmentLineDetail") or {}
        item = _item(s, num(detail.get("ItemRef")))
        if item is None or item.get("Type") != "Inventory":
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"InventoryAdjustment Line {index + 1} must name an inventory item",
                element="ItemRef",
            )
        qty = dec(detail.get("QtyDiff"))
        if not qty:
            continue
        asset = num(item.get("AssetAccountRef")) or system_account(s, "inventory")
        if qty > 0:
            value = to_cents(qty * dec(item.get("PurchaseCost")))
            out.append(
                Entry(
                    asset,
                    value,
                    role=INV_IN,
                    item_id=int(item["Id"]),
                    qty=qty,
                    line_id=line.get("Id"),
                    **tags,
                )
            )
            out.append(
                Entry(adjust, -value, item_id=int(item["Id"]), line_id=line.get("Id"), **tags)
            )
        else:
            out.append(
                Entry(
                    asset,
                    0,
                    role=INV_OUT,
                    item_id=int(item["Id"]),
                    qty=qty,
                    line_id=line.get("Id"),
                    **tags,
                )
            )
            out.append(
                Entry(adjust, 0, role=COGS, item_id=int(item["Id"]), line_id=line.get("Id"), **tags)
            )
    return out


def post_item(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    """An inventory item's starting quantity and value (QBO's Inventory Starting Value)."""
    if doc.get("Type") != "Inventory":
        return []
    qty = dec(doc.get("QtyOnHand"))
    if not qty:
        return []
    value = to_cents(qty * dec(doc.get("PurchaseCost")))
    asset = num(doc.get("AssetAccountRef")) or system_account(s, "inventory")
    own = int(doc["Id"])
    return [
        Entry(asset, value, role=INV_IN, item_id=own, qty=qty, memo="Opening inventory"),
        Entry(system_account(s, "obe"), -value, item_id=own, memo="Opening inventory"),
    ]


def post_account(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    """An account's OpeningBalance, against Opening Balance Equity."""
    opening = cents(doc.get("OpeningBalance"))
    if not opening:
        return []
    kind = doc.get("AccountType")
    if kind in ("Accounts Receivable", "Accounts Payable"):
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"An {kind} account cannot have an OpeningBalance: enter open invoices or bills instead",
            element="OpeningBalance",
        )
    own = int(doc["Id"])
    if doc.get("AccountSubType") == "OpeningBalanceEquity":
        return []
    sign = 1 if doc.get("Classification") in ("Asset", "Expense") else -1
    return [
        Entry(own, sign * opening, memo="Opening Balance"),
        Entry(system_account(s, "obe"), -sign * opening, memo="Opening Balance"),
    ]


Poster = Callable[[Session, str, dict[str, Any]], list[Entry]]

POSTERS: dict[str, Poster] = {
    "Invoice": post_sales,
    "SalesReceipt": post_sales,
    "CreditMemo": post_sales,
    "RefundReceipt": post_sales,
    "Bill": post_purchase,
    "VendorCredit": post_purchase,
    "Purchase": post_purchase,
    "Payment": post_payment,
    "BillPayment": post_bill_payment,
    "Deposit": post_deposit,
    "Transfer": post_transfer,
    "CreditCardPaymentTxn": post_cc_payment,
    "JournalEntry": post_journal,
    "InventoryAdjustment": post_inventory_adjustment,
    "Item": post_item,
    "Account": post_account,
}


def post(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    poster = POSTERS.get(name)
    return [] if poster is None else poster(s, name, doc)
