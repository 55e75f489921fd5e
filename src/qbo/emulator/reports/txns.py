"""What detail reports show about a transaction: its type label, number, name and memo."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.dialects.postgresql import JSONB

from qbo.emulator.store.session import Session

LABELS = {
    "Invoice": "Invoice",
    "SalesReceipt": "Sales Receipt",
    "CreditMemo": "Credit Memo",
    "RefundReceipt": "Refund",
    "Payment": "Payment",
    "Bill": "Bill",
    "VendorCredit": "Vendor Credit",
    "Deposit": "Deposit",
    "Transfer": "Transfer",
    "JournalEntry": "Journal Entry",
    "InventoryAdjustment": "Inventory Qty Adjust",
    "CreditCardPaymentTxn": "Credit Card Payment",
    "Item": "Inventory Starting Value",
    "Account": "Opening Balance",
    "Estimate": "Estimate",
    "PurchaseOrder": "Purchase Order",
}


NAME_PROPS = {
    "Customer": "FullyQualifiedName",
    "Vendor": "DisplayName",
    "Item": "FullyQualifiedName",
    "Class": "FullyQualifiedName",
    "Department": "FullyQualifiedName",
    "Employee": "DisplayName",
}


def names(s: Session, entity: str) -> dict[int, str]:
    """Display names of every object of a list, read from the stored JSON in SQL.

    Parsing 50,000 customer documents in Python would dominate an aging report; the
    database extracts the one property instead (json_extract on SQLite, ->> on PostgreSQL).
    """
    t = s.store.tables.entities[entity].table
    prop = NAME_PROPS.get(entity, "Name")
    if s.store.is_sqlite:
        value = func.json_extract(t.c.doc, f"$.{prop}")
    else:
        value = cast(t.c.doc, JSONB)[prop].astext
    rows = s.conn.execute(
        select(t.c.id, cast(value, String)).where(t.c.realm_id == s.realm.realm_id)
    )
    return {int(r[0]): str(r[1] or "") for r in rows}


class Txns:
    """Transaction and name documents read once per report."""

    def __init__(self, s: Session) -> None:
        self.s = s
        self.docs: dict[tuple[str, int], dict[str, Any] | None] = {}
        self.names: dict[tuple[str, int], str] = {}
        self.loaded: set[str] = set()

    def doc(self, kind: str, txn_id: int) -> dict[str, Any] | None:
        key = (kind, txn_id)
        if key not in self.docs:
            self.docs[key] = self.s.get(kind, txn_id)
        return self.docs[key]

    def label(self, kind: str, txn_id: int) -> str:
        doc = self.doc(kind, txn_id) or {}
        if kind == "Purchase":
            pay = doc.get("PaymentType")
            if pay == "CreditCard":
                return "Credit Card Credit" if doc.get("Credit") else "Credit Card Expense"
            return "Check" if pay == "Check" else "Expense"
        if kind == "BillPayment":
            return (
                "Bill Payment (Credit Card)"
                if doc.get("PayType") == "CreditCard"
                else "Bill Payment (Check)"
            )
        return LABELS.get(kind, kind)

    def number(self, kind: str, txn_id: int) -> str:
        doc = self.doc(kind, txn_id) or {}
        return str(doc.get("DocNumber") or doc.get("PaymentRefNum") or "")

    def memo(self, kind: str, txn_id: int) -> str:
        doc = self.doc(kind, txn_id) or {}
        return str(doc.get("PrivateNote") or doc.get("Memo") or "")

    def name_of(self, entity: str, object_id: int | None) -> str:
        if object_id is None:
            return ""
        key = (entity, object_id)
        if entity not in self.loaded:
            self.loaded.add(entity)
            self.names.update({(entity, i): n for i, n in names(self.s, entity).items()})
        if key not in self.names:
            doc = self.s.get(entity, object_id) or {}
            self.names[key] = str(
                doc.get("FullyQualifiedName") or doc.get("DisplayName") or doc.get("Name") or ""
            )
        return self.names[key]

    def party(self, row: dict[str, Any]) -> tuple[str, int | None]:
        """(name, id) of the customer or vendor on a ledger row."""
        if row.get("customer_id") is not None:
            return self.name_of("Customer", int(row["customer_id"])), int(row["customer_id"])
        if row.get("vendor_id") is not None:
            return self.name_of("Vendor", int(row["vendor_id"])), int(row["vendor_id"])
        return "", None
