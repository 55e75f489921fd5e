"""Python names for QBO entities: ``JournalEntry`` -> ``client.journal_entries``.

Attribute names are snake_case plurals of the entity name. Two adjustments keep them
natural: the ``Txn`` suffix is dropped (``CreditCardPaymentTxn`` is served at
``/creditcardpayment`` and reads ``client.credit_card_payments``), and the two per-company
singletons keep their singular (``client.company_info()``, ``client.preferences()``).
"""

from __future__ import annotations

import re

_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")

#: Entities with exactly one object per company.
SINGLETONS = frozenset({"CompanyInfo", "Preferences"})


def snake(name: str) -> str:
    """``CreditCardPaymentTxn`` -> ``credit_card_payment_txn``."""
    return _WORD_BOUNDARY.sub("_", name).lower()


def plural(word: str) -> str:
    """English plural of a lower-case word, for the words entity names end in."""
    if word.endswith(("s", "x", "ch", "sh")):
        return word + "es"
    if word.endswith("y") and len(word) > 1 and word[-2] not in "aeiou":
        return word[:-1] + "ies"
    return word + "s"


def attribute_name(entity: str) -> str:
    """The client attribute serving ``entity``."""
    base = entity[: -len("Txn")] if entity.endswith("Txn") else entity
    words = snake(base)
    if entity in SINGLETONS:
        return words
    head, _, last = words.rpartition("_")
    return f"{head}_{plural(last)}" if head else plural(last)


def class_name(entity: str) -> str:
    """The resource class name: ``JournalEntryResource`` (``Async...`` in the async twin)."""
    return f"{entity}Resource"
