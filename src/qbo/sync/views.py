"""One SQL view per mirrored entity, so the mirror reads like a database of the company.

``qbo_objects`` keeps every entity in one table; the views (``qbo_invoice``,
``qbo_customer``, ``qbo_credit_card_payment_txn``, ...) each show one entity's rows with
the columns that entity has: ``realm_id``, ``id``, ``sync_token``, ``last_updated``,
``deleted``, ``deleted_at``, the typed columns its fields fill (an invoice has
``doc_number``, ``txn_date``, ``total_amt``, ``customer_ref``...; a customer ``name``,
``active``, ``balance``...) and the JSON ``document``. Tombstones are included (filter on
``deleted``). Migration 0003 creates the views declared here; a test checks they agree.
"""

from __future__ import annotations

import re

from qbo.schema import Operation, catalogue

KEYS = ("realm_id", "id", "sync_token", "last_updated", "deleted", "deleted_at")
#: Each typed column of ``qbo_objects`` and the QBO fields that fill it.
TYPED = {
    "name": ("DisplayName", "Name", "FullyQualifiedName"),
    "doc_number": ("DocNumber",),
    "txn_date": ("TxnDate",),
    "due_date": ("DueDate",),
    "total_amt": ("TotalAmt",),
    "balance": ("Balance",),
    "customer_ref": ("CustomerRef",),
    "vendor_ref": ("VendorRef",),
    "active": ("Active",),
    "currency_ref": ("CurrencyRef",),
}


def view_name(entity: str) -> str:
    """``CreditCardPaymentTxn`` -> ``qbo_credit_card_payment_txn``."""
    return "qbo_" + re.sub(r"(?<!^)(?=[A-Z])", "_", entity).lower()


def declared() -> dict[str, tuple[str, tuple[str, ...]]]:
    """View name -> (entity, columns) for every entity the mirror keeps."""
    views = {}
    for definition in catalogue().entities.values():
        if not definition.allows(Operation.QUERY):
            continue
        typed = [c for c, sources in TYPED.items() if set(sources) & set(definition.fields)]
        views[view_name(definition.name)] = (definition.name, (*KEYS, *typed, "document"))
    return views


def create_statement(name: str, entity: str, columns: tuple[str, ...]) -> str:
    """The ``CREATE VIEW`` of one view (the same SQL on SQLite and PostgreSQL)."""
    return (
        f"CREATE VIEW {name} AS SELECT {', '.join(columns)} "
        f"FROM qbo_objects WHERE entity = '{entity}'"
    )
