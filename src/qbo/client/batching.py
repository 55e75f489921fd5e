"""Batch requests as pure data: items to send, results to read back.

A batch mixes creates, updates, deletes, voids and queries; QBO takes at most 30 items
per request and answers each item on its own, success or fault, inside an HTTP 200. Here
faults become exceptions of the client's one hierarchy, *returned* (not raised) in the
item's result, so one bad item never hides the others.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from qbo.client import _wire as wire
from qbo.client._querytext import QueryLike, parse_query_response, to_query
from qbo.client.error_parsing import error_from_fault
from qbo.client.errors import QBOError, ServiceError
from qbo.client.results import Deleted, QueryResult
from qbo.query import to_text
from qbo.schema import EntityDef, Operation
from qbo.schema.base import QBOModel

MAX_ITEMS = 30  # per HTTP request (fault 1040 beyond)
MAX_BID = 40  # characters in a bId (clients send 36-character UUIDs; QBO takes them)

ObjectRef = QBOModel | Mapping[str, Any] | str | tuple[str, str]
BatchValue = QBOModel | QueryResult[QBOModel] | Deleted
V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class BatchItem:
    """One item of ``BatchItemRequest``."""

    bid: str
    operation: str  # create | update | delete | void | query
    entity: EntityDef | None
    body: dict[str, Any]  # the item without its bId

    def to_json(self) -> dict[str, Any]:
        return {"bId": self.bid, **self.body}


def check_bid(bid: str) -> str:
    if not isinstance(bid, str) or not bid.strip() or len(bid) > MAX_BID:
        raise ValueError(f"a bId must be 1 to {MAX_BID} characters")
    return bid


def resolve_entity(obj: Any, entity: str | None) -> EntityDef:
    """The entity of an object: named explicitly, or known from its model class."""
    if entity is not None:
        return wire.entity_def(entity)
    if isinstance(obj, QBOModel):
        name = wire.entity_name_of(obj)
        if name is not None:
            return wire.entity_def(name)
    raise ValueError("name the entity (entity='Invoice') for a dict or an id")


def create_item(bid: str, entity: EntityDef, obj: QBOModel | Mapping[str, Any]) -> BatchItem:
    call = wire.create_call(entity, obj)
    return BatchItem(bid, "create", entity, {"operation": "create", entity.json_key: call.body})


def update_item(
    bid: str, entity: EntityDef, obj: QBOModel | Mapping[str, Any], *, sparse: bool
) -> BatchItem:
    call = wire.update_call(entity, obj, sparse=sparse)
    return BatchItem(bid, "update", entity, {"operation": "update", entity.json_key: call.body})


def delete_item(bid: str, entity: EntityDef, obj: ObjectRef, sync_token: str | None) -> BatchItem:
    object_id, token = wire.id_and_token(obj, sync_token)
    call = wire.delete_call(entity, object_id, token)
    return BatchItem(bid, "delete", entity, {"operation": "delete", entity.json_key: call.body})


def void_item(bid: str, entity: EntityDef, obj: ObjectRef, sync_token: str | None) -> BatchItem:
    """A void inside a batch: ``operation: update`` with ``optionsData: void``."""
    wire.require(entity, Operation.VOID)
    object_id, token = wire.id_and_token(obj, sync_token)
    body = {"Id": object_id, "SyncToken": token, "sparse": True}
    return BatchItem(
        bid, "void", entity, {"operation": "update", "optionsData": "void", entity.json_key: body}
    )


def query_item(bid: str, query: QueryLike) -> BatchItem:
    parsed = to_query(query)
    entity = wire.entity_def(parsed.entity)
    wire.require(entity, Operation.QUERY)
    return BatchItem(bid, "query", entity, {"Query": to_text(parsed)})


@dataclass(frozen=True, slots=True)
class BatchItemResult:
    """The outcome of one item: ``value`` on success, ``error`` on a fault."""

    bid: str
    operation: str
    entity: str | None
    value: BatchValue | None = None
    error: QBOError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def unwrap(self) -> BatchValue:
        """The value, or the item's error raised."""
        if self.error is not None:
            raise self.error
        if self.value is None:  # pragma: no cover - a success always has a value
            raise ServiceError(f"batch item {self.bid} has no value")
        return self.value

    def unwrap_as(self, kind: type[V]) -> V:
        """:meth:`unwrap`, checked to be a ``kind`` (``Customer``, ``QueryResult``, ``Deleted``)."""
        value = self.unwrap()
        if not isinstance(value, kind):
            raise TypeError(
                f"batch item {self.bid} holds a {type(value).__name__}, not {kind.__name__}"
            )
        return value


class BatchResult(Mapping[str, BatchItemResult]):
    """Results by bId, in the order the items were added."""

    def __init__(self, results: Sequence[BatchItemResult]) -> None:
        self._results = {r.bid: r for r in results}

    def __getitem__(self, bid: str) -> BatchItemResult:
        return self._results[bid]

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)

    @property
    def successes(self) -> list[BatchItemResult]:
        return [r for r in self._results.values() if r.ok]

    @property
    def faults(self) -> list[BatchItemResult]:
        return [r for r in self._results.values() if not r.ok]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self._results.values())

    def __repr__(self) -> str:
        return f"<BatchResult {len(self.successes)} ok, {len(self.faults)} faults>"


def _item_value(item: BatchItem, data: Mapping[str, Any]) -> BatchValue:
    if item.operation == "query":
        return parse_query_response(data, item.entity.name if item.entity else None)
    entity = item.entity
    if entity is None or entity.json_key not in data:
        raise ServiceError(f"batch item {item.bid}: unexpected response")
    payload = data[entity.json_key]
    if item.operation == "delete" or wire.is_deleted(payload):
        return wire.parse_deleted(entity, payload)
    return wire.parse_entity(entity, payload)


def parse_batch_response(
    body: Any, items: Sequence[BatchItem], *, intuit_tid: str | None = None
) -> list[BatchItemResult]:
    """One result per item sent, matched by bId; a missing answer is a ServiceError."""
    answers = body.get("BatchItemResponse") if isinstance(body, Mapping) else None
    if not isinstance(answers, list):
        raise ServiceError("unexpected response: expected BatchItemResponse", intuit_tid=intuit_tid)
    by_bid = {str(a.get("bId")): a for a in answers if isinstance(a, Mapping)}
    results: list[BatchItemResult] = []
    for item in items:
        entity = item.entity.name if item.entity else None
        answer = by_bid.get(item.bid)
        if answer is None:
            error: QBOError = ServiceError(
                f"batch item {item.bid} got no answer", intuit_tid=intuit_tid
            )
            results.append(BatchItemResult(item.bid, item.operation, entity, error=error))
        elif "Fault" in answer or "fault" in answer:
            fault = answer.get("Fault", answer.get("fault"))
            error = error_from_fault({"Fault": fault}, status=None, intuit_tid=intuit_tid)
            results.append(BatchItemResult(item.bid, item.operation, entity, error=error))
        else:
            try:
                value = _item_value(item, answer)
            except QBOError as exc:
                results.append(BatchItemResult(item.bid, item.operation, entity, error=exc))
            else:
                results.append(BatchItemResult(item.bid, item.operation, entity, value=value))
    return results
