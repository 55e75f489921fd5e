"""Create, read, update, delete and void of one entity, as the API names them.

``POST /{entity}`` carries the operation in its ``operation`` parameter (and, for a void
by update, in ``include=void``); :func:`write` decides which of the domain's CRUD steps
(:mod:`qbo.emulator.domain.crud`) a write stands for, the same way for a single request
and for a batch item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from qbo.emulator.domain import crud
from qbo.emulator.store.session import Session
from qbo.schema import EntityDef, Operation, catalogue
from qbo.schema.faults import not_found, unsupported_operation

#: Entities that can only be voided through ``operation=update&include=void``.
_VOID_BY_UPDATE_ONLY = ("Payment", "SalesReceipt", "BillPayment")


@dataclass(frozen=True)
class EntityWrite:
    """One write on one entity: what ``POST /{entity}?operation=...`` carries."""

    entity: EntityDef
    body: Any
    operation: str = ""  # "", create, update, delete or void (lower case)
    include: frozenset[str] = field(default_factory=frozenset)
    #: A batch item: ``update`` with ``void`` in its options voids any voidable entity.
    batch: bool = False


def read(s: Session, entity: EntityDef, object_id: str) -> Any:
    """``GET /{entity}/{id}``; CompanyInfo answers to the realm id and to ``1``.

    The object is its stored JSON text (``RawJSON``) where it can be: the answer only
    sends it on, so it is neither parsed nor encoded again.
    """
    if entity.name == "CompanyInfo":
        if object_id not in (s.realm.realm_id, "1"):
            raise not_found(entity.name, object_id)
        object_id = "1"
    return crud.read_for_answer(s, entity, object_id)


def read_preferences(s: Session) -> dict[str, Any]:
    """``GET /preferences``: the company's one Preferences object."""
    return crud.read(s, catalogue().entity("Preferences"), "1")


def check_creatable(entity: EntityDef, operation: str) -> None:
    """Unsupported Operation for a create of an entity created elsewhere (TaxCode)."""
    if entity.create_path is not None and operation in ("", "create"):
        raise unsupported_operation(entity.name, f"create (use POST /{entity.create_path})")


def write(s: Session, w: EntityWrite) -> dict[str, Any]:
    """The object after the write (or the deletion notice), or the fault QBO sends."""
    entity, operation = w.entity, w.operation
    check_creatable(entity, operation)
    body = w.body
    if operation == "delete":
        return crud.delete(s, entity, body)
    if operation == "void" or (operation == "update" and "void" in w.include):
        if entity.name in _VOID_BY_UPDATE_ONLY and operation == "void":
            raise unsupported_operation(entity.name, "void (use operation=update&include=void)")
        if entity.name == "Invoice" and operation == "update" and not w.batch:
            raise unsupported_operation(entity.name, "void (use operation=void)")
        return crud.void(s, entity, body)
    if operation not in ("", "update", "create"):
        raise unsupported_operation(entity.name, operation)
    # An explicit operation=create is a create even on CompanyInfo/Preferences (which
    # then get Unsupported Operation); otherwise an Id, or a singleton, means update.
    is_update = operation != "create" and (
        entity.name in crud.SINGLETONS
        or operation == "update"
        or (isinstance(body, dict) and body.get("Id") not in (None, ""))
    )
    if is_update:
        sparse = isinstance(body, dict) and body.get("sparse") is True
        if not entity.allows(Operation.UPDATE) and not sparse:
            sparse = entity.allows(Operation.SPARSE_UPDATE)
        return crud.update(s, entity, body, sparse=sparse)
    return crud.create(s, entity, body)
