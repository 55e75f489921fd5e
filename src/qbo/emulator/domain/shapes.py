"""Objects in the shapes recorded real QuickBooks responses have, where the XSD says less.

Every stored object passes through :func:`recorded_shape` last, after the entity's rules
and the Id/SyncToken/MetaData stamp, so what the emulator answers (a read, a write, a
query row, a CDC row: all are the stored document) carries what real QBO's answers carry:

- physical addresses (``BillAddr``, ``ShipAddr``, ``CompanyAddr``...) have an ``Id``,
  kept across updates that send the address without one;
- sales lines have ``CustomExtensions: []`` and ``SalesItemLineDetail.TaxClassificationRef: {}``;
  a line's ``TaxCodeRef`` is ``{"value": ...}`` with no ``name``;
- an invoice has ``TaxExemptionRef: {}`` and ``MetaData.LastModifiedByRef {value}``;
- a journal entry has ``TxnTaxDetail: {}``; CompanyInfo has ``WebAddr: {}`` and an
  ``EmployerId`` (empty when unknown);
- a payment's lines have ``LineEx``: the linked document's id, open balance and number as
  a list of JAXB-wrapped NameValue pairs, exactly as QBO serialises them.

Line numbering (journal entry lines from ``"0"``, payment lines without Id/LineNum) is
the transaction rule's job (:mod:`.rules.transactions`); this module only adds keys.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.store.session import Session
from qbo.emulator.values import dec, tidy
from qbo.schema import EntityDef
from qbo.schema.faults import Fault

ADDRESS_TYPE = "PhysicalAddress"
SALES_LINE = "SalesItemLineDetail"
SALES_LINE_FORMS = ("Invoice", "Estimate", "SalesReceipt", "CreditMemo", "RefundReceipt")
#: The user every change is attributed to: the emulator has one company user.
MODIFIED_BY = "1"
_NAME_VALUE = {
    "name": "{http://schema.intuit.com/finance/v3}NameValue",
    "declaredType": "com.intuit.schema.finance.v3.NameValue",
    "scope": "javax.xml.bind.JAXBElement$GlobalScope",
}


def recorded_shape(
    s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
) -> None:
    """Add to ``doc`` (in place) the keys real QBO's answer for it carries."""
    _address_ids(s, entity, doc, old)
    for line in _lines(doc):
        _line_shape(entity.name, line)
    if entity.name == "Invoice":
        doc.setdefault("TaxExemptionRef", {})
        meta = doc.get("MetaData")
        if isinstance(meta, dict):
            meta["LastModifiedByRef"] = {"value": MODIFIED_BY}
    if entity.name == "JournalEntry":
        doc.setdefault("TxnTaxDetail", {})
    if entity.name == "CompanyInfo":
        doc.setdefault("WebAddr", {})
        doc.setdefault("EmployerId", "")
    if entity.name == "Payment":
        for line in _lines(doc):
            _payment_line_ex(s, line)


def _lines(doc: dict[str, Any]) -> list[dict[str, Any]]:
    value = doc.get("Line")
    return [ln for ln in value if isinstance(ln, dict)] if isinstance(value, list) else []


def _address_ids(
    s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None
) -> None:
    """Each top-level address gets an Id from the realm's address sequence (kept on update)."""
    for name in _address_fields(entity):
        address = doc.get(name)
        if not isinstance(address, dict) or "Id" in address:
            continue
        before = (old or {}).get(name)
        if isinstance(before, dict) and before.get("Id"):
            address["Id"] = str(before["Id"])
        else:
            address["Id"] = str(s.next_value("address"))


_ADDRESS_FIELDS: dict[str, tuple[str, ...]] = {}


def _address_fields(entity: EntityDef) -> tuple[str, ...]:
    """The entity's top-level address properties, in catalogue order (found once)."""
    found = _ADDRESS_FIELDS.get(entity.name)
    if found is None:
        found = tuple(name for name, f in entity.fields.items() if f.type_name == ADDRESS_TYPE)
        _ADDRESS_FIELDS[entity.name] = found
    return found


def _line_shape(entity: str, line: dict[str, Any]) -> None:
    detail = line.get(str(line.get("DetailType", "")))
    if isinstance(detail, dict) and isinstance(detail.get("TaxCodeRef"), dict):
        detail["TaxCodeRef"].pop("name", None)
    if entity in SALES_LINE_FORMS and line.get("DetailType") == SALES_LINE:
        line.setdefault("CustomExtensions", [])
        if isinstance(detail, dict):
            detail.setdefault("TaxClassificationRef", {})


def _payment_line_ex(s: Session, line: dict[str, Any]) -> None:
    """``LineEx`` of a payment line: its first linked document's id, open balance, number."""
    links = line.get("LinkedTxn")
    link = links[0] if isinstance(links, list) and links and isinstance(links[0], dict) else None
    if link is None:
        line.pop("LineEx", None)
        return
    txn_id = str(link.get("TxnId", ""))
    target = _linked(s, str(link.get("TxnType", "")), txn_id)
    pairs = [("txnId", txn_id)]
    if target is not None:
        pairs.append(("txnOpenBalance", str(tidy(dec(target.get("Balance"))))))
        if target.get("DocNumber"):
            pairs.append(("txnReferenceNumber", str(target["DocNumber"])))
    line["LineEx"] = {"any": [_jaxb(name, value) for name, value in pairs]}


def _linked(s: Session, kind: str, txn_id: str) -> dict[str, Any] | None:
    try:
        return s.get(kind, txn_id) if kind and txn_id else None
    except (Fault, KeyError, ValueError):
        return None


def _jaxb(name: str, value: str) -> dict[str, Any]:
    return {
        **_NAME_VALUE,
        "value": {"Name": name, "Value": value},
        "nil": False,
        "globalScope": True,
        "typeSubstituted": False,
    }
