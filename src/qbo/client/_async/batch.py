"""The batch builder: collect items, then send them 30 to a request.

    batch = qb.batch()
    new = batch.create(Customer(DisplayName="Acme"))
    batch.void(invoice)
    rows = batch.query("SELECT * FROM Item WHERE Type = 'Service'")
    result = await batch.execute()
    customer = result[new].unwrap()

Each request of 30 items carries its own requestid, made once; calling ``execute()``
again (after a crash or a timeout the caller could not classify) sends the same ids, so
QBO replays its first answers instead of applying the items twice. Items cannot be added
once the batch has been executed.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Any

from qbo.client._async.core import AsyncCore
from qbo.client._config import new_request_id
from qbo.client._querytext import QueryLike
from qbo.client._responses import parse_json
from qbo.client.batching import (
    MAX_ITEMS,
    BatchItem,
    BatchItemResult,
    BatchResult,
    ObjectRef,
    check_bid,
    create_item,
    delete_item,
    parse_batch_response,
    query_item,
    resolve_entity,
    update_item,
    void_item,
)
from qbo.client.error_parsing import intuit_tid_of
from qbo.client.pacing import Cost
from qbo.schema.base import QBOModel


class AsyncBatch:
    """A batch under construction; every add returns the item's bId."""

    def __init__(self, core: AsyncCore) -> None:
        self._core = core
        self._items: list[BatchItem] = []
        self._bids: set[str] = set()
        self._numbers = itertools.count(1)
        self._request_ids: list[str] | None = None

    def __len__(self) -> int:
        return len(self._items)

    def _bid(self, bid: str | None) -> str:
        if self._request_ids is not None:
            raise RuntimeError("this batch was executed; start a new one with client.batch()")
        if bid is None:
            bid = str(next(self._numbers))
            while bid in self._bids:
                bid = str(next(self._numbers))
        check_bid(bid)
        if bid in self._bids:
            raise ValueError(f"bId {bid!r} is already used in this batch")
        return bid

    def _add(self, item: BatchItem) -> str:
        self._items.append(item)
        self._bids.add(item.bid)
        return item.bid

    def create(
        self,
        obj: QBOModel | Mapping[str, Any],
        *,
        entity: str | None = None,
        bid: str | None = None,
    ) -> str:
        return self._add(create_item(self._bid(bid), resolve_entity(obj, entity), obj))

    def update(
        self,
        obj: QBOModel | Mapping[str, Any],
        *,
        sparse: bool = False,
        entity: str | None = None,
        bid: str | None = None,
    ) -> str:
        return self._add(
            update_item(self._bid(bid), resolve_entity(obj, entity), obj, sparse=sparse)
        )

    def delete(
        self,
        obj: ObjectRef,
        sync_token: str | None = None,
        *,
        entity: str | None = None,
        bid: str | None = None,
    ) -> str:
        return self._add(delete_item(self._bid(bid), resolve_entity(obj, entity), obj, sync_token))

    def void(
        self,
        obj: ObjectRef,
        sync_token: str | None = None,
        *,
        entity: str | None = None,
        bid: str | None = None,
    ) -> str:
        return self._add(void_item(self._bid(bid), resolve_entity(obj, entity), obj, sync_token))

    def query(self, query: QueryLike, *, bid: str | None = None) -> str:
        """A query item: one page exactly as written (batch items cannot page)."""
        return self._add(query_item(self._bid(bid), query))

    async def execute(self) -> BatchResult:
        """Send every item (30 per request) and return the results by bId."""
        chunks = [self._items[i : i + MAX_ITEMS] for i in range(0, len(self._items), MAX_ITEMS)]
        if self._request_ids is None:
            self._request_ids = [new_request_id() for _ in chunks]
        results: list[BatchItemResult] = []
        for chunk, request_id in zip(chunks, self._request_ids, strict=True):
            response = await self._core.transport.request(
                "POST",
                "batch",
                json={"BatchItemRequest": [item.to_json() for item in chunk]},
                write=True,
                request_id=request_id,
                cost=Cost(weight=len(chunk), batch=True),
            )
            body = parse_json(response)
            results.extend(parse_batch_response(body, chunk, intuit_tid=intuit_tid_of(response)))
        return BatchResult(results)
