"""Create, read, update, delete and void: the same steps for every entity.

Each operation runs inside the caller's write transaction (a :class:`Session`), so a
fault raised at any step leaves nothing behind. The steps are: check the operation is
allowed, coerce the body against the catalogue, run the entity's ``prepare`` hooks, check
required fields and references, run the ``apply`` hooks, stamp Id/SyncToken/MetaData, add
the keys recorded QBO answers carry (:mod:`.shapes`), write the row and append to the
change log.
"""

from __future__ import annotations

from typing import Any

from qbo.emulator.domain.refs import check_refs
from qbo.emulator.domain.rules import Rule, rules_for
from qbo.emulator.domain.shapes import recorded_shape
from qbo.emulator.domain.validate import check_required, coerce_entity
from qbo.emulator.ledger.accounts import use_account_maker
from qbo.emulator.store.session import Session, clone
from qbo.schema import EntityDef, Operation, catalogue
from qbo.schema.faults import (
    Fault,
    FaultCode,
    not_found,
    required_missing,
    stale_object,
    unsupported_operation,
)

#: Entities that exist once per company, with Id "1".
SINGLETONS = ("CompanyInfo", "Preferences")


def _make_account(s: Session, fields: dict[str, Any]) -> int:
    entity = catalogue().entity("Account")
    return int(insert_new(s, entity, coerce_entity(entity, fields))["Id"])


def attach_ledger(s: Session) -> None:
    """Give the ledger (below the domain) the domain's way to create a system account."""
    use_account_maker(s, _make_account)


def _rules(s: Session, entity: EntityDef) -> tuple[Rule, ...]:
    attach_ledger(s)
    return rules_for(entity.name)


def require(entity: EntityDef, op: Operation, label: str | None = None) -> None:
    if not entity.allows(op):
        raise unsupported_operation(entity.name, label or op.value)


def _server_fields(entity: EntityDef, old: dict[str, Any]) -> dict[str, Any]:
    """Fields a client cannot set, kept from the stored document across a full update."""
    return {name: old[name] for name, f in entity.fields.items() if f.read_only and name in old}


def _finish(s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any] | None) -> None:
    check_required(entity, doc)
    check_refs(s, entity.type, doc, entity.name)
    for rule in _rules(s, entity):
        rule.apply(s, entity, doc, old)


def create(s: Session, entity: EntityDef, body: Any) -> dict[str, Any]:
    require(entity, Operation.CREATE)
    return insert_new(s, entity, coerce_entity(entity, body))


def insert_new(s: Session, entity: EntityDef, doc: dict[str, Any]) -> dict[str, Any]:
    """Create from an already coerced document (seeds use this path too)."""
    doc.pop("Id", None)
    doc.pop("SyncToken", None)
    for rule in _rules(s, entity):
        rule.prepare(s, entity, doc, None)
    doc["Id"] = "1" if entity.name in SINGLETONS else s.new_id(entity.name)
    _finish(s, entity, doc, None)
    stamp = s.meta_now()
    doc["SyncToken"] = "0"
    doc["domain"] = "QBO"
    doc["sparse"] = False
    doc["MetaData"] = {"CreateTime": stamp, "LastUpdatedTime": stamp}
    recorded_shape(s, entity, doc, None)
    s.insert(entity.name, doc)
    s.record_change(entity.name, doc["Id"], "Create")
    return doc


def read(s: Session, entity: EntityDef, object_id: str) -> dict[str, Any]:
    require(entity, Operation.READ)
    doc = s.get(entity.name, object_id)
    if doc is None:
        raise not_found(entity.name, object_id)
    return doc


def read_for_answer(s: Session, entity: EntityDef, object_id: str) -> Any:
    """:func:`read` for an answer that only sends the object on: its stored JSON text."""
    require(entity, Operation.READ)
    doc = s.get_raw(entity.name, object_id)
    if doc is None:
        raise not_found(entity.name, object_id)
    return doc


def _current(s: Session, entity: EntityDef, body: Any) -> tuple[dict[str, Any], str]:
    """The stored object a write names, after the Id and SyncToken checks."""
    if not isinstance(body, dict):
        raise Fault.of(FaultCode.INVALID_PROPERTY, "Request body must be a JSON object")
    object_id = body.get("Id")
    if object_id is None or str(object_id).strip() == "":
        if entity.name in SINGLETONS:
            object_id = "1"
        else:
            raise required_missing("Id")
    old = s.get(entity.name, str(object_id))
    if old is None:
        raise not_found(entity.name, str(object_id))
    token = body.get("SyncToken")
    if token is None:
        raise required_missing("SyncToken")
    if str(token) != str(old["SyncToken"]):
        raise stale_object()
    return old, str(object_id)


def update(s: Session, entity: EntityDef, body: Any, *, sparse: bool) -> dict[str, Any]:
    require(entity, Operation.SPARSE_UPDATE if sparse else Operation.UPDATE, "update")
    old, object_id = _current(s, entity, body)
    patch = coerce_entity(entity, body)
    if sparse:
        doc = {k: v for k, v in old.items() if k not in ("MetaData",)}
        if entity.name in SINGLETONS:
            _merge(doc, patch)
        else:
            doc.update(patch)
    else:
        doc = {**_server_fields(entity, old), **patch}
    doc["Id"] = object_id
    for rule in _rules(s, entity):
        rule.prepare(s, entity, doc, old)
    _finish(s, entity, doc, old)
    return _store_change(s, entity, doc, old, "Update")


def _merge(doc: dict[str, Any], patch: dict[str, Any]) -> None:
    """Sparse-update merge for CompanyInfo and Preferences: nested sections merge too.

    Sending ``{"SalesFormsPrefs": {"CustomTxnNumbers": true}}`` changes that one
    preference, as QBO's documented examples show. References (``{"value": ...}``) are
    replaced whole, as are other entities' nested objects (addresses, lines).
    """
    for key, value in patch.items():
        current = doc.get(key)
        if isinstance(value, dict) and isinstance(current, dict) and "value" not in value:
            merged = dict(current)
            _merge(merged, value)
            doc[key] = merged
        else:
            doc[key] = value


def _store_change(
    s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any], operation: str
) -> dict[str, Any]:
    s.bump(doc, old)
    doc["domain"] = "QBO"
    doc["sparse"] = False
    recorded_shape(s, entity, doc, old)
    s.replace(entity.name, doc)
    s.record_change(entity.name, doc["Id"], operation)
    return doc


def server_update(
    s: Session, entity: EntityDef, doc: dict[str, Any], old: dict[str, Any]
) -> dict[str, Any]:
    """Store a change the server makes itself (``/send`` marking a form sent).

    No client input is involved, so nothing is coerced or re-validated: the object is
    written as given with SyncToken +1, a new LastUpdatedTime and an Update change.
    """
    return _store_change(s, entity, doc, old, "Update")


def delete(s: Session, entity: EntityDef, body: Any) -> dict[str, Any]:
    require(entity, Operation.DELETE)
    old, object_id = _current(s, entity, body)
    for rule in _rules(s, entity):
        rule.delete(s, entity, old)
    s.remove(entity.name, object_id)
    s.record_change(entity.name, object_id, "Delete")
    return {"domain": "QBO", "status": "Deleted", "Id": object_id}


def void(s: Session, entity: EntityDef, body: Any) -> dict[str, Any]:
    require(entity, Operation.VOID)
    old, _ = _current(s, entity, body)
    doc = clone(old)
    for rule in _rules(s, entity):
        rule.void(s, entity, doc)
    return _store_change(s, entity, doc, old, "Void")
