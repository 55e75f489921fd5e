"""Name lists: activity, unique names, hierarchy, and the people lists' DisplayName."""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain.refs import target_of
from qbo.emulator.domain.rules.base import Rule
from qbo.emulator.store.session import Session
from qbo.emulator.values import ZERO
from qbo.schema import EntityDef
from qbo.schema.faults import Fault, FaultCode

PEOPLE = ("Customer", "Vendor", "Employee")
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
DELETED_SUFFIX = " (deleted)"
MAX_DEPTH = 5


def duplicate_name(name: str, kind: str, existing_id: str) -> Fault:
    return Fault.of(
        FaultCode.DUPLICATE_NAME,
        f"The name supplied already exists. : Another {kind.lower()} is already using this name. "
        f"Please use a different name. : Id={existing_id}",
    )


class ActiveRule(Rule):
    """``Active`` defaults to true; inactive accounts get " (deleted)" on their Name."""

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        doc.setdefault("Active", True)
        if entity.name == "Account" and isinstance(doc.get("Name"), str):
            name: str = doc["Name"]
            if name.endswith(DELETED_SUFFIX):
                name = name[: -len(DELETED_SUFFIX)]
            doc["Name"] = name if doc["Active"] else name + DELETED_SUFFIX


class HierarchyRule(Rule):
    """``ParentRef`` makes a child: FullyQualifiedName ``Parent:Child``, at most 5 levels."""

    def __init__(self, name_prop: str) -> None:
        self.name_prop = name_prop

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        self._place(s, entity, doc, old)
        if old is not None and old.get("FullyQualifiedName") != doc.get("FullyQualifiedName"):
            self._rename_descendants(s, entity, doc)

    def _rename_descendants(self, s: Session, entity: EntityDef, parent: dict[str, Any]) -> None:
        """Children's FullyQualifiedName and Level follow a renamed or moved parent.

        They are derived figures, so the children keep their SyncToken and LastUpdatedTime.
        """
        for child in s.find(entity.name, "ParentRef", parent["Id"], limit=100_000):
            child["FullyQualifiedName"] = (
                f"{parent['FullyQualifiedName']}:{child.get(self.name_prop, '')}"
            )
            if "Level" in entity.fields and "Level" in parent:
                child["Level"] = int(parent["Level"]) + 1
            s.replace_derived(entity.name, child, ("FullyQualifiedName", "Level"))
            self._rename_descendants(s, entity, child)

    def _place(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        name = str(doc.get(self.name_prop, ""))
        if ":" in name:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"{self.name_prop} cannot contain a colon (:)",
                element=self.name_prop,
            )
        parent_ref = doc.get("ParentRef")
        if parent_ref is None or target_of("ParentRef", entity.name) is None:
            doc["FullyQualifiedName"] = name
            if entity.name == "Customer":
                doc["Job"] = bool(doc.get("Job", False))
                doc["Level"] = 0
            elif (
                "SubAccount" in entity.fields
                or "SubItem" in entity.fields
                or "SubClass" in entity.fields
            ):
                for flag in ("SubAccount", "SubItem", "SubClass", "SubDepartment"):
                    if flag in entity.fields:
                        doc[flag] = False
            return
        if old is not None and parent_ref["value"] == old.get("Id"):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                "An object cannot be its own parent",
                element="ParentRef",
            )
        parent = s.get(entity.name, parent_ref["value"])
        assert parent is not None  # references were checked before apply
        if old is not None:
            self._refuse_cycle(s, entity, parent, str(old.get("Id")))
        level = int(parent.get("Level", 0)) + 1
        if level >= MAX_DEPTH:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Sub-{entity.name.lower()}s may be nested at most {MAX_DEPTH} levels deep",
                element="ParentRef",
            )
        doc["FullyQualifiedName"] = (
            f"{parent.get('FullyQualifiedName') or parent.get(self.name_prop)}:{name}"
        )
        for flag in ("SubAccount", "SubItem", "SubClass", "SubDepartment"):
            if flag in entity.fields:
                doc[flag] = True
        if entity.name == "Customer":
            doc["Job"] = True
            doc["Level"] = level
            doc.setdefault("BillWithParent", False)
        elif "Level" in entity.fields:
            doc["Level"] = level

    @staticmethod
    def _refuse_cycle(s: Session, entity: EntityDef, parent: dict[str, Any], own_id: str) -> None:
        """An object cannot move under one of its own descendants."""
        seen = 0
        ancestor: dict[str, Any] | None = parent
        while ancestor is not None and seen <= MAX_DEPTH:
            if str(ancestor.get("Id")) == own_id:
                raise Fault.of(
                    FaultCode.BUSINESS_VALIDATION,
                    f"A {entity.name.lower()} cannot be moved under one of its own sub-"
                    f"{entity.name.lower()}s",
                    element="ParentRef",
                )
            above = ancestor.get("ParentRef")
            ancestor = s.get(entity.name, above["value"]) if isinstance(above, dict) else None
            seen += 1


class UniqueNameRule(Rule):
    """A name unique within the list (by FullyQualifiedName for hierarchical lists)."""

    def __init__(self, prop: str) -> None:
        self.prop = prop

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        value = doc.get(self.prop)
        if not isinstance(value, str):
            return
        own_id = doc.get("Id")
        for other in s.find(entity.name, self.prop, value, limit=2):
            if other.get("Id") != own_id:
                raise duplicate_name(value, entity.name, str(other.get("Id")))


class PersonRule(Rule):
    """Customer, Vendor, Employee: DisplayName built from name parts, unique across the three."""

    def prepare(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        if not doc.get("DisplayName"):
            parts = [str(doc[p]) for p in NAME_PARTS if doc.get(p)]
            if parts:
                doc["DisplayName"] = " ".join(parts)
        if isinstance(doc.get("DisplayName"), str):
            doc["DisplayName"] = doc["DisplayName"].strip()

    def apply(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        name = doc.get("DisplayName")
        if isinstance(name, str):
            own = (entity.name, doc.get("Id"))
            for kind in PEOPLE:
                for other in s.find(kind, "DisplayName", name, limit=2):
                    if (kind, other.get("Id")) != own:
                        raise duplicate_name(name, kind, str(other.get("Id")))
            doc.setdefault("PrintOnCheckName", name)
        if "CurrencyRef" in entity.fields:  # Employee has none: a read-back must post back
            doc.setdefault("CurrencyRef", s.home_currency_ref())
        if entity.name in ("Customer", "Vendor"):
            doc["Balance"] = old.get("Balance", ZERO) if old else ZERO
        if entity.name == "Customer":
            doc["BalanceWithJobs"] = old.get("BalanceWithJobs", ZERO) if old else ZERO
            doc.setdefault("Taxable", True)
            doc.setdefault("BillWithParent", False)
            doc.setdefault("PreferredDeliveryMethod", "Print")
        if entity.name == "Vendor":
            doc.setdefault("Vendor1099", False)
        if entity.name == "Employee":
            doc.setdefault("BillableTime", False)


class CurrencyRule(Rule):
    """CompanyCurrency: an upper-case ISO code and the currency's name, filled as QBO does."""

    def prepare(
        self, s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
    ) -> None:
        code = doc.get("Code")
        if isinstance(code, str) and code.strip():
            doc["Code"] = code.strip().upper()
            doc["Name"] = s.currency_name(doc["Code"])
