"""Which names and accounts a transaction touches, so their derived fields can be re-read.

QBO keeps some fields up to date without a new version of the object that holds them:
a customer's ``Balance`` and ``BalanceWithJobs``, a vendor's ``Balance``, an account's
``CurrentBalance``, an item's ``QtyOnHand`` move whenever a transaction naming them is
written, but their SyncToken and LastUpdatedTime stay, so neither CDC nor webhooks
report them. After transactions are applied, the mirror reads the objects they name (in
the old and the new version) again; accounts are all re-read, because every posting moves
some account, often one the transaction does not name (receivables, undeposited funds).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from qbo.schema import jsoncodec

#: Reference keys whose target's derived fields follow the transactions naming it.
REF_ENTITIES = {"CustomerRef": "Customer", "VendorRef": "Vendor", "ItemRef": "Item"}
#: Entities whose own changes never move another object's balance.
NAME_ENTITIES = frozenset(
    {"Customer", "Vendor", "Employee", "Item", "Account", "Class", "Department", "Term"}
)


@dataclass
class References:
    """Objects to read again: entity -> ids, and whether the accounts are to be re-read."""

    ids: dict[str, set[str]] = field(default_factory=dict)
    accounts: bool = False

    def __bool__(self) -> bool:
        return self.accounts or any(self.ids.values())

    def add(self, document: Mapping[str, Any]) -> None:
        self.accounts = True
        self._walk(document)

    def add_document(self, text: str | None) -> None:
        if text:
            self.add(jsoncodec.loads(text))

    def _walk(self, value: Any) -> None:
        if isinstance(value, Mapping):
            for key, item in value.items():
                target = REF_ENTITIES.get(key)
                if target is not None and isinstance(item, Mapping):
                    ref = item.get("value")
                    if isinstance(ref, str) and ref:
                        self.ids.setdefault(target, set()).add(ref)
                elif key == "EntityRef" and isinstance(item, Mapping):
                    kind, ref = item.get("type"), item.get("value")
                    if kind in ("Customer", "Vendor") and isinstance(ref, str) and ref:
                        self.ids.setdefault(str(kind), set()).add(ref)
                else:
                    self._walk(item)
        elif isinstance(value, list):
            for item in value:
                self._walk(item)
