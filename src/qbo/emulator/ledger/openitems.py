"""Open documents: what a payment may be applied to, and the balances that follow.

An open document (invoice, credit memo, bill, vendor credit, A/R or A/P journal entry, an
unapplied payment, a payment waiting in Undeposited Funds) is identified in the ledger by
(role, open_type, open_id). Its open balance is the sum of its own rows and the rows of
everything applied to it. Applying a payment may shrink that balance to zero but never
past it: over-application is a business validation fault (6000; QBO's exact code for it
is not documented).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from qbo.emulator.ledger.entries import AP, AR, UF, Entry, from_cents, open_links, open_parts
from qbo.emulator.store.session import Session
from qbo.emulator.values import dec, ref_id
from qbo.schema.faults import Fault, FaultCode

#: Which side of A/R or A/P each kind of open document sits on (+1 debit, -1 credit).
SIDES: dict[str, int] = {"Invoice": 1, "CreditMemo": -1, "Bill": -1, "VendorCredit": 1}

#: LinkedTxn types the emulator derives from the ledger (others are the client's own).
DERIVED_LINKS = frozenset(
    {"Payment", "ReceivePayment", "Deposit", "BillPaymentCheck", "BillPaymentCreditCard"}
)


def _missing(kind: str, target: int, index: int) -> Fault:
    return Fault.of(
        FaultCode.INVALID_REFERENCE,
        f"Invalid Reference Id : {kind} assigned to Line[{index}].LinkedTxn ({target}) is missing",
        element="Line.LinkedTxn.TxnId",
    )


def _currency(doc: dict[str, Any], home: str) -> str:
    return ref_id(doc.get("CurrencyRef")) or home


def _is_same_or_parent(s: Session, payer: str | None, owner: str | None) -> bool:
    """True when the document's customer is the payer or one of the payer's sub-customers."""
    seen = 0
    while owner is not None and seen < 8:
        if owner == payer:
            return True
        doc = s.get("Customer", owner)
        owner = ref_id(doc.get("ParentRef")) if doc else None
        seen += 1
    return False


def link_side(
    s: Session, name: str, doc: dict[str, Any], kind: str, target: int, role: str, index: int
) -> tuple[int, Decimal]:
    """Check one payment line's link; return the document's side and exchange rate."""
    linked = s.get(kind, target)
    if linked is None:
        raise _missing(kind, target, index)
    home = s.realm.currency
    if _currency(linked, home) != _currency(doc, home):
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"{name} in {_currency(doc, home)} cannot be applied to {kind} {target} in "
            f"{_currency(linked, home)}: the currencies must match",
            element="CurrencyRef",
        )
    if kind == "JournalEntry":
        origin_fx, _, _, _ = open_parts(s, role, kind, target)
        if origin_fx == 0:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"JournalEntry {target} has no {'receivable' if role == AR else 'payable'} line "
                "to apply this payment to",
                element="Line.LinkedTxn",
            )
        side = 1 if origin_fx > 0 else -1
    else:
        side = SIDES[kind]
        party_prop = "CustomerRef" if role == AR else "VendorRef"
        payer = ref_id(doc.get(party_prop))
        owner = ref_id(linked.get(party_prop))
        ok = owner == payer if role == AP else _is_same_or_parent(s, payer, owner)
        if not ok:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"{kind} {target} belongs to another {'customer' if role == AR else 'vendor'} "
                f"than this {name}",
                element="Line.LinkedTxn",
            )
    return side, dec(linked.get("ExchangeRate"), Decimal(1))


def check_depositable(s: Session, kind: str, source: int, index: int) -> int | None:
    """A payment or sales receipt waiting in Undeposited Funds; returns its customer id."""
    doc = s.get(kind, source)
    if doc is None:
        raise _missing(kind, source, index)
    origin_fx, _, _, _ = open_parts(s, UF, kind, source)
    if origin_fx == 0:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"{kind} {source} was not received into Undeposited Funds, so it cannot be deposited",
            element="Line.LinkedTxn",
        )
    customer = ref_id(doc.get("CustomerRef"))
    return int(customer) if customer and customer.isdigit() else None


OpenKey = tuple[str, str, int]


def open_keys(entries: list[Entry] | list[dict[str, Any]]) -> set[OpenKey]:
    keys: set[OpenKey] = set()
    for e in entries:
        if isinstance(e, Entry):
            role, ot, oid = e.role, e.open_type, e.open_id
        else:
            role, ot, oid = e["role"], e["open_type"], e["open_id"]
        if ot is not None and oid is not None and role in (AR, AP, UF):
            keys.add((role, ot, int(oid)))
    return keys


def check_open(s: Session, name: str, own: int, entries: list[Entry], is_new: bool) -> None:
    """No open document may be applied past zero (or reversed) by this transaction."""
    for role, ot, oid in sorted(open_keys(entries)):
        mine = sum(
            e.fx_amount for e in entries if (e.role, e.open_type, e.open_id) == (role, ot, oid)
        )
        is_origin = (ot, oid) == (name, own)
        if is_new and is_origin:
            origin, others = mine, 0
        else:
            o_fx, _, x_fx, _ = open_parts(s, role, ot, oid, exclude=(name, own))
            origin, others = (mine, x_fx) if is_origin else (o_fx, x_fx + mine)
        total = origin + others
        if origin == 0 and others != 0:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"{ot} {oid} has nothing open to apply this {name} to",
                element="Line.LinkedTxn",
            )
        if total * origin < 0:
            if is_origin:
                detail = (
                    f"{name} {own} already has {from_cents(abs(others))} applied to it; its total "
                    f"cannot fall below that"
                )
            else:
                detail = (
                    f"The amount applied to {ot} {oid} is more than its open balance "
                    f"({from_cents(abs(origin + others - mine))})"
                )
            raise Fault.of(FaultCode.BUSINESS_VALIDATION, detail, element="Line.Amount")


def check_unlinked(s: Session, name: str, own: int, rows: list[dict[str, Any]]) -> None:
    """A document that payments or deposits were applied to cannot be deleted or voided."""
    for role, ot, oid in sorted(open_keys(rows)):
        if (ot, oid) != (name, own):
            continue
        links = open_links(s, role, ot, oid)
        if links:
            kinds = ", ".join(f"{k} {i}" for k, i in links)
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"{name} {own} has linked transactions ({kinds}): delete or void them first",
            )


def link_type(s: Session, kind: str, txn_id: int) -> str:
    if kind == "BillPayment":
        doc = s.get("BillPayment", txn_id)
        pay = doc.get("PayType") if doc else None
        return "BillPaymentCreditCard" if pay == "CreditCard" else "BillPaymentCheck"
    return kind


def refresh(
    s: Session,
    role: str,
    kind: str,
    open_id: int,
    doc: dict[str, Any],
    sums: tuple[int, int],
    fresh: bool = False,
) -> None:
    """Set an open document's derived balance fields and LinkedTxn from the ledger.

    ``fresh``: the document was just created, so nothing can be applied to it yet.
    """
    fx, home = sums
    if kind == "Invoice" and role == AR:
        doc["Balance"] = from_cents(fx)
        if "HomeTotalAmt" in doc:
            doc["HomeBalance"] = from_cents(home)
    elif kind == "CreditMemo":
        doc["Balance"] = from_cents(-fx)
        doc["RemainingCredit"] = doc["Balance"]
    elif kind == "Bill":
        doc["Balance"] = from_cents(-fx)
        if "HomeTotalAmt" in doc:
            doc["HomeBalance"] = from_cents(-home)
    elif kind == "VendorCredit":
        doc["Balance"] = from_cents(fx)
    if kind in ("Invoice", "CreditMemo", "Bill", "VendorCredit") or role == UF:
        found = [] if fresh else open_links(s, role, kind, open_id)
        derived = [
            {"TxnId": str(txn_id), "TxnType": link_type(s, txn_kind, txn_id)}
            for txn_kind, txn_id in found
        ]
        kept = [
            link
            for link in doc.get("LinkedTxn") or []
            if str(link.get("TxnType")) not in DERIVED_LINKS
        ]
        doc["LinkedTxn"] = kept + derived
