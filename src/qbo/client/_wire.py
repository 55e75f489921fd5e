"""The wire forms of entity operations, as pure functions (no I/O, no client state).

Both clients and the batch builder call these, so a create, an update, a delete or a void
is spelt one way everywhere: which path, which query parameters, which body. Responses are
turned into typed models here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from qbo.client.errors import ServiceError, UnsupportedOperationError
from qbo.client.results import Deleted
from qbo.client.sentinel import NOT_GIVEN
from qbo.schema import EntityDef, Operation, catalogue
from qbo.schema.base import QBOModel
from qbo.schema.faults import FaultCode
from qbo.schema.instants import parse_instant
from qbo.schema.models import ENTITY_MODELS

#: Entities voided with ``operation=update&include=void`` and a sparse body;
#: every other voidable entity (Invoice) uses ``operation=void``.
VOID_BY_UPDATE = frozenset({"Payment", "SalesReceipt", "BillPayment"})

Body = dict[str, Any]


@dataclass(frozen=True, slots=True)
class WireCall:
    """One request: POST or GET ``path`` (under /v3/company/{realm}/) with params and body."""

    method: str
    path: str
    params: dict[str, str]
    body: Body | None = None


def entity_def(name: str) -> EntityDef:
    """The catalogue entry of an entity, by exact or case-insensitive name."""
    found = catalogue().find_entity(name)
    if found is None:
        raise ValueError(f"unknown QBO entity {name!r}")
    return found


@cache
def _model_entities() -> dict[type[QBOModel], str]:
    return {model: name for name, model in ENTITY_MODELS.items()}


def entity_name_of(obj: QBOModel | type[QBOModel]) -> str | None:
    """The entity a model (instance or class) represents, or None for nested types."""
    cls = obj if isinstance(obj, type) else type(obj)
    for klass in cls.__mro__:
        name = _model_entities().get(klass)
        if name is not None:
            return name
    return None


def entity_defs(items: Iterable[str | type[QBOModel]]) -> list[EntityDef]:
    """Catalogue entries for entity names or model classes, in order, each once."""
    out: list[EntityDef] = []
    for item in items:
        name = item if isinstance(item, str) else entity_name_of(item)
        if name is None:
            raise ValueError(f"{item!r} is not a QBO entity")
        entity = entity_def(name)
        if entity not in out:
            out.append(entity)
    return out


def require(entity: EntityDef, operation: Operation, label: str | None = None) -> None:
    """Raise UnsupportedOperationError (before any I/O) when the catalogue forbids it."""
    if not entity.allows(operation):
        what = label or operation.value.replace("_", " ")
        raise UnsupportedOperationError(
            f"{entity.name} does not support {what}",
            code=FaultCode.UNSUPPORTED_OPERATION,
            detail=f"Operation {what} is not supported on {entity.name}",
        )


def to_body(obj: QBOModel | Mapping[str, Any]) -> Body:
    """A model's QBO JSON (None omitted), or a copy of a dict as given."""
    if isinstance(obj, QBOModel):
        return obj.to_qbo()
    if isinstance(obj, Mapping):
        return dict(obj)
    raise TypeError(f"expected a QBO model or a dict, got {type(obj).__name__}")


def sparse_body_of(obj: QBOModel | Mapping[str, Any]) -> Body:
    """The body of a sparse update: only the fields that were set, None kept as null.

    For a model that means the fields given to its constructor or assigned since (pydantic's
    ``model_fields_set``, recursively), so ``Customer(Id="1", SyncToken="0", Notes=None)``
    clears Notes and leaves everything else alone.
    """
    if isinstance(obj, QBOModel):
        body: Body = obj.model_dump(mode="python", by_alias=True, exclude_unset=True)
    else:
        body = {k: v for k, v in obj.items() if v is not NOT_GIVEN}
    body["sparse"] = True
    return body


def field_value(value: Any) -> Any:
    """A sparse-update keyword value in QBO JSON form (models become dicts)."""
    if isinstance(value, QBOModel):
        return value.to_qbo()
    if isinstance(value, list | tuple):
        return [field_value(v) for v in value]
    return value


def sparse_fields_body(object_id: str, sync_token: str, fields: Mapping[str, Any]) -> Body:
    """``{"Id", "SyncToken", "sparse": true, ...fields}`` without the NOT_GIVEN ones."""
    body: Body = {"Id": str(object_id), "SyncToken": str(sync_token), "sparse": True}
    for name, value in fields.items():
        if value is NOT_GIVEN:
            continue
        body[name] = field_value(value)
    return body


def id_and_token(
    obj: QBOModel | Mapping[str, Any] | str | tuple[str, str], sync_token: str | None
) -> tuple[str, str]:
    """(Id, SyncToken) from a model, a dict, an ``(id, token)`` pair or an id plus token."""
    if isinstance(obj, tuple):
        object_id, token = obj
        return str(object_id), str(token)
    if isinstance(obj, str):
        if sync_token is None:
            raise ValueError("a SyncToken is needed with a bare id (pass sync_token=...)")
        return obj, str(sync_token)
    data = obj.to_qbo() if isinstance(obj, QBOModel) else obj
    found_id = data.get("Id")
    found_token = sync_token if sync_token is not None else data.get("SyncToken")
    if found_id in (None, "") or found_token in (None, ""):
        raise ValueError("the object needs an Id and a SyncToken")
    return str(found_id), str(found_token)


def create_call(entity: EntityDef, obj: QBOModel | Mapping[str, Any]) -> WireCall:
    require(entity, Operation.CREATE)
    if entity.create_path is not None:
        raise UnsupportedOperationError(
            f"{entity.name} is created through POST /{entity.create_path} (TaxService), "
            "not as a plain entity",
            code=FaultCode.UNSUPPORTED_OPERATION,
        )
    return WireCall("POST", entity.path, {}, to_body(obj))


def update_call(entity: EntityDef, obj: QBOModel | Mapping[str, Any], *, sparse: bool) -> WireCall:
    if sparse:
        require(entity, Operation.SPARSE_UPDATE, "sparse update")
        body = sparse_body_of(obj)
    else:
        require(entity, Operation.UPDATE, "full update")
        body = to_body(obj)
        body.pop("sparse", None)
    if entity.name not in ("CompanyInfo", "Preferences") and body.get("Id") in (None, ""):
        raise ValueError(f"an update needs the {entity.name}'s Id")
    if body.get("SyncToken") in (None, ""):
        raise ValueError(f"an update needs the {entity.name}'s SyncToken")
    return WireCall("POST", entity.path, {"operation": "update"}, body)


def delete_call(entity: EntityDef, object_id: str, sync_token: str) -> WireCall:
    require(entity, Operation.DELETE)
    return WireCall(
        "POST", entity.path, {"operation": "delete"}, {"Id": object_id, "SyncToken": sync_token}
    )


def void_call(entity: EntityDef, object_id: str, sync_token: str) -> WireCall:
    require(entity, Operation.VOID)
    if entity.name in VOID_BY_UPDATE:
        body: Body = {"Id": object_id, "SyncToken": sync_token, "sparse": True}
        return WireCall("POST", entity.path, {"operation": "update", "include": "void"}, body)
    return WireCall(
        "POST", entity.path, {"operation": "void"}, {"Id": object_id, "SyncToken": sync_token}
    )


def payload(body: Any, key: str) -> Any:
    """``body[key]`` of a successful response, or a ServiceError saying what came instead."""
    if not isinstance(body, Mapping) or key not in body:
        keys = (
            ", ".join(sorted(map(str, body))) if isinstance(body, Mapping) else type(body).__name__
        )
        raise ServiceError(f"unexpected response: expected {key!r}, got {keys}")
    return body[key]


def parse_entity(entity: EntityDef, data: Any) -> QBOModel:
    """A typed model from one entity's JSON object."""
    return ENTITY_MODELS[entity.name].from_qbo(data)


def parse_deleted(entity: EntityDef, data: Any) -> Deleted:
    """A deletion (a delete answer or a CDC tombstone) as :class:`Deleted`."""
    if not isinstance(data, Mapping):
        raise ServiceError(f"unexpected deletion payload for {entity.name}")
    meta = data.get("MetaData")
    updated = meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None
    return Deleted(entity.name, str(data.get("Id", "")), parse_instant(updated))


def is_deleted(data: Any) -> bool:
    return isinstance(data, Mapping) and str(data.get("status", "")).lower() == "deleted"
