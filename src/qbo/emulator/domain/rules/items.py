"""Items: the accounts each item type needs, and inventory quantities."""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.store.session import Session
from qbo.emulator.values import ZERO
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode, required_missing

INVENTORY_NEEDS = (
    "IncomeAccountRef",
    "ExpenseAccountRef",
    "AssetAccountRef",
    "QtyOnHand",
    "InvStartDate",
)


class ItemRule(Rule):
    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        kind = doc.get("Type")
        if kind == "Inventory":
            for prop in INVENTORY_NEEDS:
                if doc.get(prop) is None:
                    raise required_missing(prop)
            if doc.get("TrackQtyOnHand") is False:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    "Inventory items must track quantity on hand",
                    element="TrackQtyOnHand",
                )
            doc["TrackQtyOnHand"] = True
        elif kind in ("Service", "NonInventory"):
            if doc.get("IncomeAccountRef") is None and doc.get("ExpenseAccountRef") is None:
                raise required_missing("IncomeAccountRef")
            doc.setdefault("TrackQtyOnHand", False)
        elif kind == "Category":
            for prop in ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"):
                if prop in doc:
                    raise Fault.of(
                        FaultCode.BUSINESS_VALIDATION,
                        f"A Category item cannot have {prop}",
                        element=prop,
                    )
        if kind != "Category":
            doc.setdefault("UnitPrice", ZERO)
            doc.setdefault("PurchaseCost", ZERO)
            doc.setdefault("Taxable", False)
