"""The bulk extract as pure data: which query items to send, and how to read their pages.

A full copy of a company is cheapest as ``/batch`` requests of 30 query items of 1000 rows
each: one request moves up to 30,000 rows. Pages use an explicit ``ORDERBY Id`` (QBO's
default order differs by entity and is not stable), and name lists ask for
``Active IN (true, false)``, because without it QBO returns only active rows and a plain
paging loop silently misses every inactive customer, vendor, item or account.

Rows are handed over one page at a time as the JSON text of each object, exactly as QBO
wrote it (``ExtractPage.raw_rows``): a response is cut into rows without building a Python
object per field (msgspec reads the envelope and leaves each row as its bytes), so a caller
that stores documents pays for parsing only what it reads. ``rows`` parses a page into
dicts (Decimal money) and ``models()`` types it, when wanted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import httpx
import msgspec

from qbo.client import _wire as wire
from qbo.client._responses import parse_json
from qbo.client.error_parsing import error_from_fault
from qbo.client.errors import QBOError, ServiceError
from qbo.schema import EntityDef, Operation, catalogue, jsoncodec
from qbo.schema.base import QBOModel
from qbo.schema.models import ENTITY_MODELS

PAGE_SIZE = 1000  # the most rows QBO returns for one query


def extractable_entities() -> list[EntityDef]:
    """Every entity that can be queried, in catalogue order."""
    return [e for e in catalogue().entities.values() if e.allows(Operation.QUERY)]


def resolve_entities(entities: Iterable[str | type[QBOModel]] | None) -> list[EntityDef]:
    """Entity definitions for ``entities`` (None: every queryable entity), de-duplicated."""
    if entities is None:
        return extractable_entities()
    out = wire.entity_defs(entities)
    for entity in out:
        wire.require(entity, Operation.QUERY)
    return out


def filter_clause(entity: EntityDef) -> str:
    """The WHERE clause that selects every row: inactive names included."""
    return " WHERE Active IN (true, false)" if "Active" in entity.fields else ""


def count_text(entity: EntityDef) -> str:
    return f"SELECT count(*) FROM {entity.name}{filter_clause(entity)}"


def page_text(entity: EntityDef, start: int, size: int, select: str = "*") -> str:
    """One page in Id order (entity names come from the catalogue, never from input)."""
    return (
        f"SELECT {select} FROM {entity.name}{filter_clause(entity)} "
        f"ORDERBY Id STARTPOSITION {start} MAXRESULTS {size}"
    )


@dataclass(frozen=True)
class ExtractPage:
    """One page of one entity: its rows' JSON text, where they start, whether it is done.

    ``error`` is set (and the page empty) when QBO refused the entity's query; the other
    entities go on. ``done`` is true on the entity's last page.
    """

    entity: str
    start: int
    raw_rows: list[bytes] = field(default_factory=list)
    done: bool = False
    error: QBOError | None = None
    total: int | None = None  # the entity's row count when the extract started

    @property
    def next_start(self) -> int:
        return self.start + len(self.raw_rows)

    def __len__(self) -> int:
        return len(self.raw_rows)

    @cached_property
    def rows(self) -> list[dict[str, Any]]:
        """The rows parsed (money as Decimal), on first use."""
        return [jsoncodec.loads(row) for row in self.raw_rows]

    def models(self) -> list[QBOModel]:
        """The rows typed (on demand: storing raw documents needs no models)."""
        model = ENTITY_MODELS[self.entity]
        return [model.from_qbo(row) for row in self.rows]


class ItemAnswer(msgspec.Struct):
    """One answer of a ``/batch`` response, its query rows left as JSON text."""

    bId: str | None = None  # the names are QBO's
    QueryResponse: dict[str, msgspec.Raw] | None = None
    Fault: Any = None
    fault: Any = None


class _BatchBody(msgspec.Struct):
    BatchItemResponse: list[ItemAnswer]


_BATCH = msgspec.json.Decoder(_BatchBody)
_ROWS = msgspec.json.Decoder(list[msgspec.Raw])
_COUNT = msgspec.json.Decoder(int)


def item_answers(response: httpx.Response) -> dict[str, ItemAnswer]:
    """``BatchItemResponse`` by bId; a fault in place of the answers raised as an error."""
    try:
        body = _BATCH.decode(response.content)
    except (msgspec.DecodeError, msgspec.ValidationError):
        parse_json(response)  # raises a fault carried by the 200, or a body that is not JSON
        raise ServiceError("unexpected response: expected BatchItemResponse") from None
    return {str(a.bId): a for a in body.BatchItemResponse}


def _query_response(answer: ItemAnswer | None, entity: EntityDef) -> dict[str, msgspec.Raw]:
    if answer is None:
        raise ServiceError(f"the batch gave no answer for a {entity.name} query")
    fault = answer.Fault if answer.Fault is not None else answer.fault
    if fault is not None:
        raise error_from_fault({"Fault": fault}, status=None)
    if answer.QueryResponse is None:
        raise ServiceError(f"unexpected answer to a {entity.name} query")
    return answer.QueryResponse


def item_rows(answer: ItemAnswer | None, entity: EntityDef) -> list[bytes]:
    """The rows of one query item's answer, as JSON text; its fault raised as the error."""
    found = _query_response(answer, entity).get(entity.json_key)
    if found is None:
        return []
    try:
        return [bytes(row) for row in _ROWS.decode(found)]
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise ServiceError(f"unexpected rows in the answer to a {entity.name} query") from None


def item_count(answer: ItemAnswer | None, entity: EntityDef) -> int:
    total = _query_response(answer, entity).get("totalCount")
    try:
        if total is None:
            raise ValueError
        count = _COUNT.decode(total)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError):
        raise ServiceError(f"a {entity.name} count answered without totalCount") from None
    return count
