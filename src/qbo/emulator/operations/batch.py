"""``POST /batch``: up to 30 operations and queries in one request.

Each item calls the same operation as the single request it stands for: a write item
:func:`qbo.emulator.operations.entities.write` (as ``POST /{entity}?operation=...``), a
``Query`` item :func:`qbo.emulator.operations.query.query` and a ``CDCQuery`` item
:func:`qbo.emulator.operations.cdc.changes_since`. So an item succeeds or fails exactly as
the single request would.

Items succeed or fail independently. The whole batch runs in one transaction (the
request's, so a ``requestid`` replays the whole batch response) and each item in a
SAVEPOINT of its own: a failing item is rolled back to its savepoint and changes nothing,
while the items around it commit. Items run in order, so a later item sees an earlier
one's writes (QBO does not promise an order; clients should not rely on one).

Choices where QBO's behaviour is not documented:

- a whole-request fault (HTTP 400, nothing runs) for more than 30 items (1040), a body
  without a ``BatchItemRequest`` list (2010), an item without a ``bId`` (2020), a
  ``bId`` over 10 characters (2050), a repeated ``bId`` (6000) and a ``requestid`` over
  36 characters (6000): results are matched to items by ``bId``, so a request whose items
  cannot be told apart is refused as a whole;
- an empty ``BatchItemRequest`` list answers an empty ``BatchItemResponse``;
- an item's ``operation`` is create, update or delete; ``update`` with ``optionsData``
  containing ``void`` voids (for every voidable entity, Invoice included); ``void`` as
  the operation is accepted too; other ``optionsData`` words are passed on as
  ``include`` flags (``allowduplicatedocnum``); an entity item without an operation is
  treated like ``POST /{entity}`` (create, or update when it carries an Id);
- a ``CDCQuery`` item answers ``{"bId", "CDCResponse": {"QueryResponse": [...]}}`` (one
  CDCResponse object, as the XSD's ``maxOccurs=1`` for a batch item says);
- ``ReportQuery`` items are not supported (Unsupported Operation, code 500).
"""

from __future__ import annotations

import logging
from functools import cache
from typing import Any

from qbo.emulator.operations import entities
from qbo.emulator.operations.cdc import cdc_query
from qbo.emulator.operations.query import query
from qbo.emulator.store.session import Session
from qbo.schema import EntityDef, catalogue
from qbo.schema.faults import (
    Fault,
    FaultCode,
    invalid_property,
    required_missing,
    unsupported_operation,
)

log = logging.getLogger("qbo.emulator")

MAX_ITEMS = 30
MAX_BATCH_REQUEST_ID = 36
MAX_BID = 40  # characters: clients send 36-character UUIDs, which QBO accepts
ITEM_KEYS = frozenset({"bId", "operation", "optionsData"})
OPERATIONS = frozenset({"create", "update", "delete", "void"})


@cache
def _by_json_key() -> dict[str, EntityDef]:
    return {e.json_key: e for e in catalogue().entities.values()}


def run_batch(s: Session, body: Any, request_id: str | None) -> list[dict[str, Any]]:
    """The ``BatchItemResponse`` list: each item's result or fault, in item order."""
    if request_id is not None and len(request_id) > MAX_BATCH_REQUEST_ID:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"requestid of a batch must be at most {MAX_BATCH_REQUEST_ID} characters "
            f"(got {len(request_id)})",
            element="requestid",
        )
    return [run_item(s, item) for item in _items(body)]


#: What an item that only reads holds.
READ_ITEM_KEYS = frozenset({"bId", "Query", "CDCQuery"})


def only_reads(body: Any) -> bool:
    """Whether every item of a batch body is a query or a CDC query (it changes nothing)."""
    items = body.get("BatchItemRequest") if isinstance(body, dict) else None
    return isinstance(items, list) and all(
        isinstance(item, dict) and set(item) <= READ_ITEM_KEYS for item in items
    )


def _items(body: Any) -> list[dict[str, Any]]:
    """The checked item list (whole-request faults for anything that cannot be run)."""
    if not isinstance(body, dict) or not isinstance(body.get("BatchItemRequest"), list):
        raise invalid_property("BatchItemRequest", 'the body must be {"BatchItemRequest": [items]}')
    unknown = sorted(set(body) - {"BatchItemRequest"})
    if unknown:
        raise invalid_property(unknown[0])
    items: list[Any] = body["BatchItemRequest"]
    if len(items) > MAX_ITEMS:
        raise Fault.of(
            FaultCode.BATCH_TOO_LARGE,
            f"The batch has {len(items)} items; a batch request may have at most {MAX_ITEMS}",
        )
    seen: set[str] = set()
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise invalid_property("BatchItemRequest", f"item {index + 1} must be a JSON object")
        bid = item.get("bId")
        if bid is None or (isinstance(bid, str) and not bid.strip()):
            raise required_missing("bId")
        if not isinstance(bid, str):
            raise invalid_property("bId", f"item {index + 1}: bId must be a string")
        if len(bid) > MAX_BID:
            raise Fault.of(
                FaultCode.STRING_LENGTH,
                f"bId {bid!r} is {len(bid)} characters long; at most {MAX_BID} are allowed",
                element="bId",
            )
        if bid in seen:
            raise Fault.of(
                FaultCode.BUSINESS_VALIDATION,
                f"bId {bid!r} is used by more than one item",
                element="bId",
            )
        seen.add(bid)
    return items


def run_item(s: Session, item: dict[str, Any]) -> dict[str, Any]:
    """One item in its own savepoint: its result, or its fault (and no trace of it)."""
    bid: str = item["bId"]
    try:
        with s.conn.begin_nested():
            key, value = _dispatch(s, item)
    except Fault as fault:
        return {"bId": bid, "Fault": fault.body()}
    except Exception:
        # A bug must not take the other items down with it; the item is rolled back.
        log.exception("batch item %s failed", bid)
        internal = Fault.of(
            FaultCode.INTERNAL_ERROR, "An internal error occurred while processing this item"
        )
        return {"bId": bid, "Fault": internal.body()}
    return {"bId": bid, key: value}


def _options(item: dict[str, Any]) -> list[str]:
    raw = item.get("optionsData")
    if raw is None:
        return []
    if not isinstance(raw, str):
        raise invalid_property("optionsData", "optionsData must be a string")
    return [p.strip().lower() for p in raw.split(",") if p.strip()]


def _dispatch(s: Session, item: dict[str, Any]) -> tuple[str, Any]:
    payload_keys = [k for k in item if k not in ITEM_KEYS]
    if len(payload_keys) != 1:
        detail = (
            "an item needs one of an entity, Query or CDCQuery"
            if not payload_keys
            else f"an item may carry only one of {', '.join(payload_keys)}"
        )
        raise invalid_property(payload_keys[-1] if payload_keys else "BatchItemRequest", detail)
    (key,) = payload_keys
    value = item[key]
    options = _options(item)
    operation = item.get("operation")
    session = Session(s.store, s.conn, s.realm, s.now, frozenset(options))
    if key in ("Query", "CDCQuery", "ReportQuery"):
        if operation is not None:
            raise invalid_property("operation", f"a {key} item takes no operation")
        if key == "Query":
            return "QueryResponse", _query(session, value)
        if key == "CDCQuery":
            return "CDCResponse", cdc_query(session, value)
        raise unsupported_operation("batch", "ReportQuery")
    entity = _by_json_key().get(key)
    if entity is None:
        raise invalid_property(key, "not an entity this API knows")
    if not isinstance(value, dict):
        raise invalid_property(key, f"{key} must be a JSON object")
    write = _write_of(entity, value, operation, options)
    return entity.json_key, entities.write(session, write)


def _write_of(
    entity: EntityDef, body: dict[str, Any], operation: Any, options: list[str]
) -> entities.EntityWrite:
    """The write the single request ``POST /{entity}?operation=...`` would stand for."""
    if operation is not None and (not isinstance(operation, str) or not operation.strip()):
        raise invalid_property("operation", "operation must be create, update or delete")
    op = (operation or "").strip().lower()
    if op and op not in OPERATIONS:
        raise unsupported_operation(entity.name, op)
    include = frozenset(o for o in options if o != "void")
    if op == "void" or (op == "update" and "void" in options):
        return entities.EntityWrite(entity, body, "update", include | {"void"}, batch=True)
    return entities.EntityWrite(entity, body, op, include, batch=True)


def _query(s: Session, text: Any) -> Any:
    """A Query item: the query operation, as ``GET /query`` would run it."""
    if not isinstance(text, str):
        raise invalid_property("Query", "Query must be the text of a query")
    return query(s, text)
