"""Merging two name-list objects, as QuickBooks does in its own UI (not through the API).

``merge(s, "Customer", from_id, into_id)`` moves everything that points at ``from`` to
``into`` and removes ``from``, in the caller's transaction:

- every document that references ``from`` (an invoice's CustomerRef, a bill line's
  AccountRef, an item's IncomeAccountRef, ...) gets the reference rewritten and is saved
  again through the session (query columns follow), with SyncToken + 1, a new
  LastUpdatedTime and an ``Update`` change each, as QBO reports moved transactions;
  these re-saves are server changes, not client input, so no business rule re-validates
  them (an old invoice naming a since-inactivated item must not block a merge), but
  posting transactions are posted to the ledger again (``PostingRule``), so balances,
  open items and payments follow the references;
- children of ``from`` (``ParentRef``) are re-parented through the normal update path,
  so their FullyQualifiedName and level are recomputed (and a clash is a fault);
- ``into`` is saved with SyncToken + 1 and a ``Merge`` change whose ``deleted_id`` is
  ``from`` (what webhooks report as ``deletedId`` and CDC as a tombstone for ``from``);
- ``from`` is removed.

Rules (QBO's own are stricter in places and not fully documented): both objects exist
and differ, ``into`` is active, an account merges only with an account of the same
AccountType, an item only with an item of the same Type, and ``into`` may not be a
descendant of ``from``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from qbo.emulator.domain import crud
from qbo.emulator.domain.refs import display_name, is_active, target_of
from qbo.emulator.domain.rules.transactions import POSTING, PostingRule
from qbo.emulator.store.session import Session, clone
from qbo.schema import EntityDef, Kind, TypeDef, catalogue, jsoncodec
from qbo.schema.faults import Fault, FaultCode, not_found, unsupported_operation

MERGEABLE = ("Customer", "Vendor", "Employee", "Item", "Account")

#: Reference properties the validation table does not know but a merge must follow.
_EXTRA_TARGETS = {"PrefVendorRef": "Vendor"}
#: Transactions that apply to others (re-posted after the documents they apply to).
_APPLIED_LAST = frozenset({"Payment", "BillPayment", "Deposit"})
_POSTING_RULE = PostingRule()

Moved = list[tuple[str, str]]


def merge(s: Session, entity_name: str, from_id: str, into_id: str) -> dict[str, Any]:
    """Merge ``from`` into ``into``; returns ``{"into": doc, "moved": [(entity, id)...]}``."""
    if entity_name not in MERGEABLE:
        raise unsupported_operation(entity_name, "merge")
    entity = catalogue().entity(entity_name)
    from_id, into_id = str(from_id).strip(), str(into_id).strip()
    if from_id == into_id:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION, f"Cannot merge {entity_name} {from_id} into itself"
        )
    from_doc = s.get(entity_name, from_id)
    if from_doc is None:
        raise not_found(entity_name, from_id)
    into_doc = s.get(entity_name, into_id)
    if into_doc is None:
        raise not_found(entity_name, into_id)
    _check_compatible(s, entity_name, from_doc, into_doc)
    label = display_name(into_doc)
    moved: Moved = []
    children: list[dict[str, Any]] = []
    targets: list[tuple[EntityDef, str]] = []
    for other in catalogue().entities.values():
        for doc in _candidates(s, other, from_id):
            if other.name == entity_name and _ref_value(doc.get("ParentRef")) == from_id:
                children.append(doc)
            elif _rewrite(doc, other.type, other.name, entity_name, from_id, into_id, label):
                targets.append((other, str(doc["Id"])))
    # Documents that others are applied to are posted again first, so a payment re-posted
    # later finds its invoice already belonging to ``into``.
    targets.sort(key=lambda t: t[0].name in _APPLIED_LAST)
    crud.attach_ledger(s)  # the posting rule runs here directly, not through crud
    for other, object_id in targets:
        old = s.get(other.name, object_id)
        assert old is not None
        new = clone(old)
        _rewrite(new, other.type, other.name, entity_name, from_id, into_id, label)
        if other.name in POSTING:
            _POSTING_RULE.apply(s, other, new, old)  # the ledger follows the references
        crud.server_update(s, other, new, old)
        moved.append((other.name, object_id))
    for child in children:
        crud.update(
            s,
            entity,
            {
                "Id": child["Id"],
                "SyncToken": child["SyncToken"],
                "sparse": True,
                "ParentRef": {"value": into_id},
            },
            sparse=True,
        )
        moved.append((entity_name, str(child["Id"])))
    into_doc = s.get(entity_name, into_id) or into_doc
    old_into = s.get(entity_name, into_id) or into_doc
    s.remove(entity_name, from_id)
    s.bump(into_doc, old_into)
    s.replace(entity_name, into_doc)
    s.record_change(entity_name, into_id, "Merge", deleted_id=from_id)
    return {"into": into_doc, "moved": moved}


def _ref_value(ref: Any) -> str | None:
    return str(ref["value"]) if isinstance(ref, dict) and "value" in ref else None


def _check_compatible(
    s: Session, entity_name: str, from_doc: dict[str, Any], into_doc: dict[str, Any]
) -> None:
    if not is_active(into_doc):
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Cannot merge into {entity_name} {into_doc['Id']}: it is inactive",
        )
    for prop in {"Account": ("AccountType",), "Item": ("Type",)}.get(entity_name, ()):
        if from_doc.get(prop) != into_doc.get(prop):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Cannot merge {entity_name} {from_doc['Id']} ({prop} {from_doc.get(prop)}) into "
                f"{into_doc['Id']} ({prop} {into_doc.get(prop)}): the {prop} must be the same",
            )
    parent, seen = _ref_value(into_doc.get("ParentRef")), {str(into_doc["Id"])}
    while parent is not None and parent not in seen:
        if parent == str(from_doc["Id"]):
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"Cannot merge {entity_name} {from_doc['Id']} into its own descendant "
                f"{into_doc['Id']}",
            )
        seen.add(parent)
        ancestor = s.get(entity_name, parent)
        parent = _ref_value(ancestor.get("ParentRef")) if ancestor else None


def _candidates(s: Session, entity: EntityDef, object_id: str) -> list[dict[str, Any]]:
    """Documents of ``entity`` that may mention ``object_id`` (a cheap text pre-filter)."""
    if entity.name not in s.store.tables.entities or not object_id.isdigit():
        return []
    t = s.store.tables.entities[entity.name].table
    rows = s.conn.execute(
        select(t.c.doc)
        .where(t.c.realm_id == s.realm.realm_id, t.c.doc.like(f'%"{object_id}"%'))
        .order_by(t.c.id)
    )
    return [jsoncodec.loads(r[0]) for r in rows]


def _rewrite(
    doc: dict[str, Any],
    type_def: TypeDef,
    owner: str,
    target: str,
    from_id: str,
    into_id: str,
    label: str,
) -> bool:
    """Point every reference to ``target`` ``from_id`` at ``into_id``; True if any did."""
    changed = False
    for name, value in doc.items():
        f = type_def.fields.get(name)
        if f is None:
            continue
        items = value if isinstance(value, list) else [value]
        if f.kind is Kind.REF:
            points_at = _EXTRA_TARGETS.get(name) or target_of(name, owner)
            for ref in items:
                if not isinstance(ref, dict):
                    continue
                kind = ref.get("type") if name == "EntityRef" else points_at
                if kind == target and str(ref.get("value")) == from_id:
                    ref["value"] = into_id
                    if label:
                        ref["name"] = label
                    changed = True
        elif f.kind is Kind.OBJECT:
            nested = catalogue().type(f.type_name)
            for item in items:
                if isinstance(item, dict):
                    changed = (
                        _rewrite(item, nested, owner, target, from_id, into_id, label) or changed
                    )
    return changed
