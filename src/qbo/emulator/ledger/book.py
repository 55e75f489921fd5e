"""Booking: replace a transaction's ledger rows and bring every derived figure along.

``book`` runs inside the request's transaction, after the document's own rules, so a
fault anywhere leaves nothing behind. Derived figures are kept in the stored documents:

- ``Account.CurrentBalance`` (debit-normal for asset and expense accounts, credit-normal
  otherwise, home currency) and ``CurrentBalanceWithSubAccounts`` up the parent chain;
- ``Customer.Balance``/``BalanceWithJobs`` and ``Vendor.Balance`` (open A/R or A/P, in the
  customer's or vendor's currency);
- open documents' ``Balance``/``HomeBalance``/``RemainingCredit`` and their ``LinkedTxn``;
- ``Item.QtyOnHand`` (and ``AvgCost``) from the FIFO replay.

Figures of name-list objects change without touching their SyncToken or LastUpdatedTime
(QBO does not bump a Customer's SyncToken when its balance moves). A transaction whose
balance or links change because of another one (an invoice a payment is applied to) gets
a new SyncToken, LastUpdatedTime and an Update in the change log, as QBO does (client
libraries report a stale-token fault on invoice updates after a payment).
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from qbo.emulator.ledger import bulk
from qbo.emulator.ledger import entries as store
from qbo.emulator.ledger.accounts import system_account
from qbo.emulator.ledger.entries import (
    AP,
    AR,
    COGS,
    FX,
    INV_IN,
    INV_OUT,
    Entry,
    TxnKey,
    home_cents,
)
from qbo.emulator.ledger.inventory import replay
from qbo.emulator.ledger.openitems import check_open, check_unlinked, open_keys, refresh
from qbo.emulator.ledger.posting import post
from qbo.emulator.store.session import Session, clone
from qbo.emulator.values import ZERO, dec, ref_id, tidy
from qbo.schema import EntityKind, catalogue
from qbo.schema.faults import Fault, FaultCode

DEBIT_NORMAL = ("Asset", "Expense")
COSTED = (INV_IN, INV_OUT, COGS)
#: What refreshing an open document may change.
REFRESHED = ("Balance", "HomeBalance", "RemainingCredit", "LinkedTxn")


def txn_date(s: Session, name: str, doc: dict[str, Any]) -> str:
    if name == "Item":
        return str(doc.get("InvStartDate") or s.meta_now()[:10])
    if name == "Account":
        return str(doc.get("OpeningBalanceDate") or s.meta_now()[:10])
    return str(doc.get("TxnDate") or s.meta_now()[:10])


def _rate(doc: dict[str, Any]) -> Decimal:
    return dec(doc.get("ExchangeRate"), Decimal(1))


def build(s: Session, name: str, doc: dict[str, Any]) -> list[Entry]:
    """The entries of a document with home amounts filled, balanced to the cent."""
    # Zero rows are dropped, except inventory movements (costed later by the FIFO replay).
    entries = [e for e in post(s, name, doc) if e.fx_amount or e.home or e.role in COSTED]
    rate = _rate(doc)
    for e in entries:
        e.amount = e.home if e.home is not None else home_cents(e.fx_amount, rate)
    residual = -sum(e.amount for e in entries)
    if residual:
        if name in ("Payment", "BillPayment"):
            # Realized exchange gain or loss: the payment's rate differs from the rate of
            # the documents it pays.
            entries.append(
                Entry(
                    system_account(s, "fx"),
                    0,
                    home=residual,
                    role=FX,
                    amount=residual,
                    memo="Exchange Gain or Loss",
                )
            )
        else:
            # Rounding of home amounts line by line: put the cent on the largest line.
            plain = [e for e in entries if e.role is None] or entries
            target = max(plain, key=lambda e: abs(e.amount))
            target.amount += residual
    unbalanced_fx = sum(e.fx_amount for e in entries if e.role != FX)
    if unbalanced_fx or sum(e.amount for e in entries):
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION, f"The {name} does not balance: debits must equal credits"
        )
    return entries


class Derived:
    """Documents whose derived figures change, written once at the end.

    Callers change documents through :meth:`set` (or :meth:`mark` after changing them in
    place), so only what really changed is written, with only its query columns.
    """

    def __init__(self, s: Session, own: tuple[str, int], doc: dict[str, Any] | None) -> None:
        self.s = s
        self.own = own
        self.own_doc = doc
        self.docs: dict[tuple[str, int], dict[str, Any]] = {}
        self.dirty: dict[tuple[str, int], set[str]] = {}

    def get(self, entity: str, object_id: int) -> dict[str, Any] | None:
        key = (entity, object_id)
        if key == self.own:
            return self.own_doc
        if key not in self.docs:
            staged = bulk.staged(self.s, key)
            doc = staged if staged is not None else self.s.get(entity, object_id)
            if doc is None:
                return None
            self.docs[key] = doc
        return self.docs[key]

    def set(self, entity: str, object_id: int, prop: str, value: Any) -> None:
        doc = self.get(entity, object_id)
        if doc is None or doc.get(prop) == value:
            return
        doc[prop] = value
        self.mark(entity, object_id, prop)

    def mark(self, entity: str, object_id: int, prop: str) -> None:
        if (entity, object_id) != self.own:
            self.dirty.setdefault((entity, object_id), set()).add(prop)

    def flush(self) -> None:
        s = self.s
        for (entity, object_id), props in self.dirty.items():
            doc = self.docs[(entity, object_id)]
            if catalogue().entity(entity).kind is EntityKind.TRANSACTION:
                s.bump(doc, doc)
                s.replace(entity, doc)
                s.record_change(entity, str(object_id), "Update")
            elif not bulk.stage(s, (entity, object_id), doc, props):
                s.replace_derived(entity, doc, props)


def _add(d: Derived, entity: str, doc: dict[str, Any], prop: str, delta: Decimal) -> None:
    value = store.from_cents(store.to_cents(dec(doc.get(prop)) + delta))
    d.set(entity, int(doc["Id"]), prop, value)


def _parent(d: Derived, entity: str, doc: dict[str, Any]) -> dict[str, Any] | None:
    parent = ref_id(doc.get("ParentRef"))
    return d.get(entity, int(parent)) if parent and parent.isdigit() else None


def _accounts(d: Derived, deltas: dict[int, int]) -> None:
    for account_id, delta in deltas.items():
        if not delta:
            continue
        doc = d.get("Account", account_id)
        if doc is None:
            continue
        signed = delta if doc.get("Classification") in DEBIT_NORMAL else -delta
        amount = Decimal(signed) / 100
        _add(d, "Account", doc, "CurrentBalance", amount)
        node: dict[str, Any] | None = doc
        for _ in range(8):
            if node is None:
                break
            _add(d, "Account", node, "CurrentBalanceWithSubAccounts", amount)
            node = _parent(d, "Account", node)


def _names(d: Derived, entity: str, deltas: dict[int, int], sign: int) -> None:
    for name_id, delta in deltas.items():
        if not delta:
            continue
        doc = d.get(entity, name_id)
        if doc is None:
            continue
        amount = Decimal(sign * delta) / 100
        _add(d, entity, doc, "Balance", amount)
        if entity != "Customer":
            continue
        node: dict[str, Any] | None = doc
        for _ in range(8):
            if node is None:
                break
            _add(d, entity, node, "BalanceWithJobs", amount)
            node = _parent(d, entity, node)


def _apply(
    s: Session,
    name: str,
    own: int,
    doc: dict[str, Any] | None,
    old_rows: list[dict[str, Any]],
    new_rows: list[dict[str, Any]],
    is_new: bool,
) -> None:
    d = Derived(s, (name, own), doc)
    account_delta: dict[int, int] = defaultdict(int)
    customer_delta: dict[int, int] = defaultdict(int)
    vendor_delta: dict[int, int] = defaultdict(int)
    items: set[int] = set()
    for sign, rows in ((-1, old_rows), (1, new_rows)):
        for r in rows:
            account_delta[int(r["account_id"])] += sign * int(r["amount"])
            if r["role"] == AR and r["customer_id"] is not None:
                customer_delta[int(r["customer_id"])] += sign * int(r["fx_amount"])
            elif r["role"] == AP and r["vendor_id"] is not None:
                vendor_delta[int(r["vendor_id"])] += sign * int(r["fx_amount"])
            if r["role"] in (INV_IN, INV_OUT) and r["item_id"] is not None:
                items.add(int(r["item_id"]))
    for item_id in sorted(items):
        result = replay(s, item_id)
        for row, amount in result.changes:
            account_delta[int(row["account_id"])] += amount - int(row["amount"])
            store.set_amount(s, row, amount)
        d.set("Item", item_id, "QtyOnHand", tidy(result.qty) if result.qty else ZERO)
        if result.qty > 0:
            avg = store.from_cents(int(Decimal(result.value) / result.qty))
            d.set("Item", item_id, "AvgCost", avg)
    _accounts(d, account_delta)
    _names(d, "Customer", customer_delta, 1)
    _names(d, "Vendor", vendor_delta, -1)
    for role, kind, open_id in sorted(open_keys(old_rows) | open_keys(new_rows)):
        target = d.get(kind, open_id)
        if target is None:
            continue
        fresh = (kind, open_id) == (name, own) and is_new
        if fresh:
            key = (role, kind, open_id)
            mine = [r for r in new_rows if (r["role"], r["open_type"], r["open_id"]) == key]
            sums = (sum(int(r["fx_amount"]) for r in mine), sum(int(r["amount"]) for r in mine))
        else:
            o_fx, o_home, x_fx, x_home = store.open_parts(s, role, kind, open_id)
            sums = (o_fx + x_fx, o_home + x_home)
        before = {p: clone(target.get(p)) for p in REFRESHED}
        refresh(s, role, kind, open_id, target, sums, fresh=fresh)
        for prop, value in before.items():
            if target.get(prop) != value:
                d.mark(kind, open_id, prop)
    d.flush()


def book(s: Session, name: str, doc: dict[str, Any], *, is_new: bool) -> None:
    """Post a created or updated document (its Id assigned, its totals computed)."""
    own = int(doc["Id"])
    entries = build(s, name, doc)
    check_open(s, name, own, entries, is_new)
    key = TxnKey(
        name, own, txn_date(s, name, doc), ref_id(doc.get("CurrencyRef")) or s.realm.currency
    )
    old_rows = [] if is_new else store.load(s, name, own)
    if old_rows:
        store.remove(s, name, own)
    new_rows = [store.to_row(s, key, seq, e) for seq, e in enumerate(entries)]
    store.write(s, new_rows)
    _apply(s, name, own, doc, old_rows, new_rows, is_new)
    _own_fields(name, doc, entries)


def unbook(s: Session, name: str, doc: dict[str, Any], *, voided: bool) -> None:
    """Remove a transaction's rows (delete), or zero them (void: the document stays)."""
    own = int(doc["Id"])
    old_rows = store.load(s, name, own)
    check_unlinked(s, name, own, old_rows)
    if old_rows:
        store.remove(s, name, own)
    _apply(s, name, own, doc if voided else None, old_rows, [], False)
    if voided:
        _own_fields(name, doc, [])


def _own_fields(name: str, doc: dict[str, Any], entries: list[Entry]) -> None:
    """Figures of the document itself that follow from its entries."""
    if name == "Payment":
        own = int(doc["Id"])
        doc["UnappliedAmt"] = store.from_cents(
            -sum(
                e.fx_amount for e in entries if (e.role, e.open_type, e.open_id) == (AR, name, own)
            )
        )
    if "HomeTotalAmt" in doc and "TotalAmt" in doc:
        doc["HomeTotalAmt"] = store.from_cents(
            home_cents(store.to_cents(dec(doc["TotalAmt"])), _rate(doc))
        )
