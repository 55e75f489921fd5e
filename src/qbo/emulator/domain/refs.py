"""Reference checking: every ``...Ref`` must name an existing, active object (2500).

The XSDs type every reference as ``ReferenceType`` without saying what it points at, so the
target is inferred from the property name (``CustomerRef`` -> Customer, ``ItemAccountRef``
-> Account, ``SalesTermRef`` -> Term, ...). Names not in the table are not checked: being
lenient beats rejecting a valid request. Checked references get their ``name`` filled.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.store.session import Session
from qbo.schema import Kind, TypeDef, catalogue
from qbo.schema.faults import Fault, FaultCode

_EXACT: dict[str, str] = {
    "CustomerRef": "Customer",
    "VendorRef": "Vendor",
    "EmployeeRef": "Employee",
    "ItemRef": "Item",
    "ClassRef": "Class",
    "DepartmentRef": "Department",
    "SalesTermRef": "Term",
    "TermRef": "Term",
    "PaymentMethodRef": "PaymentMethod",
    "TaxCodeRef": "TaxCode",
    "TxnTaxCodeRef": "TaxCode",
    "TaxRateRef": "TaxRate",
    "TaxAgencyRef": "TaxAgency",
    "AgencyRef": "TaxAgency",
    "CustomerTypeRef": "CustomerType",
    "JournalCodeRef": "JournalCode",
}

#: Display names used to fill ``name`` on output.
NAME_PROPS = ("FullyQualifiedName", "DisplayName", "Name")


def target_of(prop: str, owner: str) -> str | None:
    """The entity a reference property points at, when it can be told."""
    if prop in _EXACT:
        return _EXACT[prop]
    if prop == "ParentRef":
        return owner if owner in ("Customer", "Account", "Item", "Class", "Department") else None
    if prop.endswith("AccountRef") or prop in ("ARAccountRef", "APAccountRef"):
        return "Account"
    return None


def display_name(doc: dict[str, Any]) -> str:
    for prop in NAME_PROPS:
        value = doc.get(prop)
        if isinstance(value, str) and value:
            return value
    return ""


def is_active(doc: dict[str, Any]) -> bool:
    return doc.get("Active", True) is not False


def resolve(session: Session, target: str, ref: dict[str, str], path: str) -> dict[str, Any]:
    """The referenced document, or fault 2500 when it is missing or inactive."""
    doc = session.peek(target, ref["value"])
    if doc is None or not is_active(doc):
        state = "missing" if doc is None else "inactive"
        raise Fault.of(
            FaultCode.INVALID_REFERENCE,
            f"Invalid Reference Id : {target} assigned to {path} ({ref['value']}) is {state}",
            element=path,
        )
    return doc


def check_refs(
    session: Session, type_def: TypeDef, doc: dict[str, Any], owner: str, path: str = ""
) -> None:
    """Walk ``doc`` and check every reference whose target is known; fill in names."""
    for name, value in doc.items():
        f = type_def.fields.get(name)
        if f is None:
            continue
        sub = f"{path}.{name}" if path else name
        items = value if isinstance(value, list) else [value]
        if f.kind is Kind.REF:
            for ref in items:
                target = target_of(name, owner)
                if name == "EntityRef" and ref.get("type") in ("Customer", "Vendor", "Employee"):
                    target = ref["type"]
                if target is None:
                    continue
                found = resolve(session, target, ref, sub)
                label = display_name(found)
                if label:
                    ref["name"] = label
        elif f.kind is Kind.OBJECT:
            nested = catalogue().type(f.type_name)
            for item in items:
                if isinstance(item, dict):
                    check_refs(session, nested, item, owner, sub)
