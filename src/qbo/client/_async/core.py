"""QBO-shaped calls on top of the transport: entity calls, query pages, full reads.

Resources, the batch builder, CDC and reports all talk to QBO through one
:class:`AsyncCore`, so envelopes, paging and typed parsing are written once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from qbo.client._async.transport import AsyncTransport
from qbo.client._config import ClientSettings
from qbo.client._querytext import PAGE_SIZE, Pager, count_query, parse_query_response
from qbo.client._wire import WireCall, parse_entity, payload
from qbo.client.errors import ServiceError
from qbo.client.pacing import Cost
from qbo.client.results import QueryResult
from qbo.query import Query, to_text
from qbo.schema import EntityDef
from qbo.schema.base import QBOModel

#: Longer query texts go in a POST body rather than the URL (proxies cap URL length).
MAX_GET_QUERY = 2000


class AsyncCore:
    """The company-level operations every feature builds on."""

    def __init__(self, transport: AsyncTransport) -> None:
        self.transport = transport

    @property
    def settings(self) -> ClientSettings:
        return self.transport.settings

    async def call(self, call: WireCall, *, request_id: str | None = None) -> Any:
        """Run a :class:`WireCall`; POSTs are writes and carry a requestid."""
        return await self.transport.request_json(
            call.method,
            call.path,
            params=call.params,
            json=call.body,
            write=call.method == "POST",
            request_id=request_id,
            cost=Cost(),
        )

    async def entity_call(
        self, entity: EntityDef, call: WireCall, *, request_id: str | None = None
    ) -> QBOModel:
        """Run a call answering ``{"<Entity>": {...}}`` and type the object."""
        body = await self.call(call, request_id=request_id)
        return parse_entity(entity, payload(body, entity.json_key))

    async def query_page(self, text: str, entity: str | None = None) -> QueryResult[QBOModel]:
        """One query request, exactly as written (no paging)."""
        if len(text) <= MAX_GET_QUERY:
            body = await self.transport.request_json(
                "GET", "query", params={"query": text}, cost=Cost()
            )
        else:
            body = await self.transport.request_json(
                "POST",
                "query",
                content=text.encode("utf-8"),
                content_type="application/text",
                cost=Cost(),
            )
        return parse_query_response(body, entity, reuse=True)  # the body is ours alone

    async def query_pages(
        self, query: Query, *, page_size: int = PAGE_SIZE
    ) -> AsyncIterator[QueryResult[QBOModel]]:
        """The pages holding every row the query selects, ``page_size`` rows each."""
        pager = Pager(query, page_size)
        previous: str | None = None
        while not pager.done:
            page = await self.query_page(pager.next_text(), query.entity)
            first = getattr(page.rows[0], "Id", None) if page.rows else None
            if first is not None and first == previous:
                # A server that ignores STARTPOSITION would otherwise be paged forever.
                raise ServiceError("query paging made no progress (STARTPOSITION ignored?)")
            previous = first
            yield page
            pager.advance(len(page))

    async def query_all(self, query: Query) -> QueryResult[QBOModel]:
        """A whole query: a count's total, or every row (paged when not pinned)."""
        if query.is_count:
            return await self.query_page(to_text(query), query.entity)
        rows = [row async for page in self.query_pages(query) for row in page]
        return QueryResult(query.entity, rows, query.start_position or 1, len(rows))

    async def count(self, query: Query) -> int:
        result = await self.query_page(to_text(count_query(query)), query.entity)
        if result.total_count is None:
            raise ServiceError("unexpected response: a count query answered without totalCount")
        return result.total_count
