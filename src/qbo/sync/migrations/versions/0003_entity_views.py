"""One view per mirrored entity (``qbo_invoice``, ``qbo_customer``, ...), so the mirror
is queried with plain SQL per entity: the keys, the typed columns the entity's fields
fill, the tombstone columns and the JSON document of its rows in ``qbo_objects``.

The list is written out here (not read from the package) so this revision always
builds the same views; an entity added later gets its view in a later revision.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

KEYS = ("realm_id", "id", "sync_token", "last_updated", "deleted", "deleted_at")
_SALES_FORM = (
    "doc_number",
    "txn_date",
    "due_date",
    "total_amt",
    "balance",
    "customer_ref",
    "currency_ref",
)
_BILL = ("doc_number", "txn_date", "due_date", "total_amt", "balance", "vendor_ref", "currency_ref")
#: (view, entity, typed columns)
VIEWS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("qbo_account", "Account", ("name", "active", "currency_ref")),
    ("qbo_class", "Class", ("name", "active")),
    ("qbo_department", "Department", ("name", "active")),
    ("qbo_customer", "Customer", ("name", "balance", "active", "currency_ref")),
    ("qbo_vendor", "Vendor", ("name", "balance", "active", "currency_ref")),
    ("qbo_employee", "Employee", ("name", "active")),
    ("qbo_item", "Item", ("name", "active")),
    ("qbo_payment_method", "PaymentMethod", ("name", "active")),
    ("qbo_term", "Term", ("name", "active")),
    ("qbo_company_currency", "CompanyCurrency", ("name", "active")),
    ("qbo_customer_type", "CustomerType", ("name", "active")),
    ("qbo_tax_agency", "TaxAgency", ("name", "balance", "active", "currency_ref")),
    ("qbo_tax_code", "TaxCode", ("name", "active")),
    ("qbo_tax_rate", "TaxRate", ("name", "active")),
    ("qbo_journal_code", "JournalCode", ("name", "active")),
    ("qbo_invoice", "Invoice", _SALES_FORM),
    ("qbo_estimate", "Estimate", _SALES_FORM),
    ("qbo_credit_memo", "CreditMemo", _SALES_FORM),
    ("qbo_sales_receipt", "SalesReceipt", _SALES_FORM),
    ("qbo_refund_receipt", "RefundReceipt", _SALES_FORM),
    (
        "qbo_payment",
        "Payment",
        ("doc_number", "txn_date", "total_amt", "customer_ref", "currency_ref"),
    ),
    ("qbo_bill", "Bill", _BILL),
    (
        "qbo_vendor_credit",
        "VendorCredit",
        ("doc_number", "txn_date", "total_amt", "balance", "vendor_ref", "currency_ref"),
    ),
    (
        "qbo_purchase_order",
        "PurchaseOrder",
        ("doc_number", "txn_date", "due_date", "total_amt", "vendor_ref", "currency_ref"),
    ),
    (
        "qbo_bill_payment",
        "BillPayment",
        ("doc_number", "txn_date", "total_amt", "vendor_ref", "currency_ref"),
    ),
    ("qbo_purchase", "Purchase", ("doc_number", "txn_date", "total_amt", "currency_ref")),
    ("qbo_deposit", "Deposit", ("doc_number", "txn_date", "total_amt", "currency_ref")),
    ("qbo_transfer", "Transfer", ("doc_number", "txn_date", "currency_ref")),
    ("qbo_journal_entry", "JournalEntry", ("doc_number", "txn_date", "total_amt", "currency_ref")),
    (
        "qbo_credit_card_payment_txn",
        "CreditCardPaymentTxn",
        ("doc_number", "txn_date", "vendor_ref", "currency_ref"),
    ),
    (
        "qbo_inventory_adjustment",
        "InventoryAdjustment",
        ("doc_number", "txn_date", "customer_ref", "currency_ref"),
    ),
    ("qbo_time_activity", "TimeActivity", ("txn_date", "customer_ref", "vendor_ref")),
    ("qbo_recurring_transaction", "RecurringTransaction", ()),
    ("qbo_attachable", "Attachable", ()),
    ("qbo_budget", "Budget", ("name", "active")),
    ("qbo_exchange_rate", "ExchangeRate", ()),
    ("qbo_company_info", "CompanyInfo", ()),
    ("qbo_preferences", "Preferences", ()),
)


def upgrade() -> None:
    for name, entity, typed in VIEWS:
        columns = ", ".join((*KEYS, *typed, "document"))
        op.execute(
            f"CREATE VIEW {name} AS SELECT {columns} FROM qbo_objects WHERE entity = '{entity}'"
        )


def downgrade() -> None:
    for name, _entity, _typed in VIEWS:
        op.execute(f"DROP VIEW {name}")
