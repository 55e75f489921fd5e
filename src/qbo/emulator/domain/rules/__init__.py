"""Which rules apply to which entity, in the order they run."""

from __future__ import annotations

from functools import cache

from qbo.emulator.domain.rules.accounts import AccountRule
from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.domain.rules.currency import CurrencyPrefsRule, PartyCurrencyRule
from qbo.emulator.domain.rules.items import ItemRule
from qbo.emulator.domain.rules.names import (
    ActiveRule,
    CurrencyRule,
    HierarchyRule,
    PersonRule,
    UniqueNameRule,
)
from qbo.emulator.domain.rules.transactions import (
    NUMBERED,
    POSTING,
    DocNumberRule,
    JournalEntryRule,
    PaymentRule,
    PositiveAmountRule,
    PostingRule,
    PurchaseFormRule,
    SalesFormRule,
    SumLinesRule,
    TxnRule,
)
from qbo.schema import EntityKind, catalogue

__all__ = ["Rule", "rules_for"]

_SPECIFIC: dict[str, tuple[Rule, ...]] = {
    "Customer": (PersonRule(), HierarchyRule("DisplayName")),
    "Vendor": (PersonRule(),),
    "Employee": (PersonRule(),),
    "Account": (AccountRule(), HierarchyRule("Name"), UniqueNameRule("FullyQualifiedName")),
    "Item": (ItemRule(), HierarchyRule("Name"), UniqueNameRule("FullyQualifiedName")),
    "Class": (HierarchyRule("Name"), UniqueNameRule("FullyQualifiedName")),
    "Department": (HierarchyRule("Name"), UniqueNameRule("FullyQualifiedName")),
    "Term": (UniqueNameRule("Name"),),
    "PaymentMethod": (UniqueNameRule("Name"),),
    "CompanyCurrency": (CurrencyRule(), UniqueNameRule("Code")),
    "Invoice": (SalesFormRule(),),
    "Estimate": (SalesFormRule(),),
    "SalesReceipt": (SalesFormRule(),),
    "CreditMemo": (SalesFormRule(),),
    "RefundReceipt": (SalesFormRule(),),
    "Bill": (PurchaseFormRule(),),
    "VendorCredit": (PurchaseFormRule(),),
    "PurchaseOrder": (PurchaseFormRule(),),
    "Purchase": (PurchaseFormRule(),),
    "Deposit": (SumLinesRule(),),
    "Payment": (PaymentRule(),),
    "BillPayment": (PaymentRule(),),
    "JournalEntry": (JournalEntryRule(),),
    "Transfer": (PositiveAmountRule(),),
    "CreditCardPaymentTxn": (PositiveAmountRule(),),
}


@cache
def rules_for(entity: str) -> tuple[Rule, ...]:
    """Generic rules by entity kind, then the entity's own."""
    kind = catalogue().entity(entity).kind
    generic: list[Rule] = []
    if kind is EntityKind.NAME_LIST:
        generic.append(ActiveRule())
    if kind is EntityKind.TRANSACTION:
        generic.append(TxnRule())
        if entity in NUMBERED:
            generic.append(DocNumberRule())
    ledger: tuple[Rule, ...] = (PostingRule(),) if entity in POSTING else ()
    if entity == "Preferences":
        ledger = (CurrencyPrefsRule(),)
    elif entity in ("Customer", "Vendor"):
        ledger = (PartyCurrencyRule(),)
    return (*generic, *_SPECIFIC.get(entity, ()), *ledger)
