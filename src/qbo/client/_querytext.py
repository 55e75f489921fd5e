"""From what a caller writes (builder, AST, WHERE text, full text) to pages of a query.

Queries are parsed on the client (with the same parser the emulator uses), so a syntax
error is a :class:`~qbo.client.errors.QueryError` before any I/O, and paging is done by
rewriting ``STARTPOSITION``/``MAXRESULTS`` in the tree rather than by pasting text.

Paging rule (no silent truncation): when the caller gives no ``MAXRESULTS``, every
matching row is fetched, 1000 at a time; when they give one, it caps the total number of
rows, which may span several pages. ``STARTPOSITION`` (1-based) is where reading starts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from qbo.client.errors import QueryError, ServiceError
from qbo.client.results import QueryResult
from qbo.query import COUNT, MAX_RESULTS, Condition, Query, QueryBuilder, parse, to_text
from qbo.schema import catalogue
from qbo.schema.base import QBOModel
from qbo.schema.faults import Fault
from qbo.schema.models import ENTITY_MODELS
from qbo.schema.rows import build_rows

QueryLike = str | QueryBuilder | Query | Condition | Sequence[Condition]
PAGE_SIZE = MAX_RESULTS  # 1000, the most QBO returns in one response

_SELECT = re.compile(r"^\s*select\b", re.IGNORECASE)
_WHERE = re.compile(r"^\s*where\b", re.IGNORECASE)
_TAIL = re.compile(r"^\s*(orderby|startposition|maxresults)\b", re.IGNORECASE)


def parse_text(text: str) -> Query:
    """Parse query text; a syntax error becomes QueryError (code 4000) without I/O."""
    try:
        return parse(text)
    except Fault as fault:
        error = fault.errors[0]
        raise QueryError(error.message, code=error.code, detail=error.detail) from None


def _needs(entity: str | None) -> str:
    if entity is None:
        raise ValueError("name the entity: use a full query text or select(entity)")
    return entity


def to_query(query: QueryLike | None, entity: str | None = None) -> Query:
    """The Query a caller means. With ``entity``, bare text is a WHERE clause of it and
    conditions (``col("Balance") > 0``) filter it."""
    if query is None:
        parsed = Query(_needs(entity))
    elif isinstance(query, QueryBuilder):
        parsed = query.build()
    elif isinstance(query, Query):
        parsed = query
    elif isinstance(query, Condition):
        parsed = Query(_needs(entity), where=(query,))
    elif isinstance(query, Sequence) and not isinstance(query, str):
        conditions = tuple(query)
        if not all(isinstance(c, Condition) for c in conditions):
            raise TypeError("a sequence query must hold conditions (col('X') == value)")
        parsed = Query(_needs(entity), where=conditions)
    elif isinstance(query, str):
        if _SELECT.match(query) or entity is None:
            parsed = parse_text(query)
        elif _TAIL.match(query):
            parsed = parse_text(f"SELECT * FROM {entity} {query}")
        else:
            where = _WHERE.sub("", query, count=1)
            parsed = parse_text(f"SELECT * FROM {entity} WHERE {where}")
    else:
        raise TypeError(
            f"expected query text, a QueryBuilder or a Query, got {type(query).__name__}"
        )
    if entity is not None and parsed.entity.lower() != entity.lower():
        raise ValueError(f"this query reads {parsed.entity}, not {entity}")
    return parsed


def count_query(query: Query) -> Query:
    """``SELECT count(*)`` with the same filters (no ordering, no paging)."""
    return replace(query, select=COUNT, order_by=(), start_position=None, max_results=None)


@dataclass
class Pager:
    """The next page to ask for, and whether there may be more after a page came back."""

    query: Query
    page_size: int = PAGE_SIZE

    def __post_init__(self) -> None:
        self.position = self.query.start_position or 1
        self.remaining = self.query.max_results  # None: everything
        self.done = self.remaining is not None and self.remaining <= 0

    def next_text(self) -> str:
        size = self.page_size if self.remaining is None else min(self.page_size, self.remaining)
        return to_text(replace(self.query, start_position=self.position, max_results=size))

    def advance(self, rows: int) -> None:
        """Record a page of ``rows`` rows; a short page means the end."""
        asked = self.page_size if self.remaining is None else min(self.page_size, self.remaining)
        self.position += rows
        if self.remaining is not None:
            self.remaining -= rows
        if rows < asked or (self.remaining is not None and self.remaining <= 0):
            self.done = True


def _json_keys() -> dict[str, str]:
    return {e.json_key: e.name for e in catalogue().entities.values()}


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).lstrip("-").isdigit() else None


def parse_query_response(
    body: Any, entity: str | None = None, *, reuse: bool = False
) -> QueryResult[QBOModel]:
    """Typed rows of ``{"QueryResponse": {...}}`` (or of the QueryResponse object itself).

    ``reuse``: the caller drops ``body`` afterwards, so the rows are built inside it
    rather than in copies of each of its objects (``qbo.schema.rows.build_rows``).
    """
    data = body.get("QueryResponse", body) if isinstance(body, Mapping) else None
    if not isinstance(data, Mapping):
        raise ServiceError("unexpected response: expected a QueryResponse")
    keys = _json_keys()
    rows: list[QBOModel] = []
    found = entity
    for key, value in data.items():
        name = keys.get(key)
        if name is None or not isinstance(value, list):
            continue
        found = name
        model = ENTITY_MODELS[name]
        rows.extend(build_rows(model, value, reuse=reuse))
    return QueryResult(
        found,
        rows,
        _int(data.get("startPosition")),
        _int(data.get("maxResults")),
        _int(data.get("totalCount")),
    )
