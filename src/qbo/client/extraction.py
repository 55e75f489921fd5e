"""The bulk extract as pure data: which query items to send, and how to read their pages.

A full copy of a company is cheapest as ``/batch`` requests of 30 query items of 1000 rows
each: one request moves up to 30,000 rows. Pages use an explicit ``ORDERBY Id`` (QBO's
default order differs by entity and is not stable), and name lists ask for
``Active IN (true, false)``, because without it QBO returns only active rows and a plain
paging loop silently misses every inactive customer, vendor, item or account.

Rows are handed over as the raw JSON objects of one page at a time (``ExtractPage.rows``),
so a caller that stores documents never builds 30,000 models at once; ``models()`` types
a page when wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qbo.client import _wire as wire
from qbo.client.error_parsing import error_from_fault
from qbo.client.errors import QBOError, ServiceError
from qbo.schema import EntityDef, Operation, catalogue
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
    """One page of one entity: raw rows, where they start, and whether the entity is done.

    ``error`` is set (and ``rows`` empty) when QBO refused the entity's query; the other
    entities go on. ``done`` is true on the entity's last page.
    """

    entity: str
    start: int
    rows: list[dict[str, Any]] = field(default_factory=list)
    done: bool = False
    error: QBOError | None = None
    total: int | None = None  # the entity's row count when the extract started

    @property
    def next_start(self) -> int:
        return self.start + len(self.rows)

    def models(self) -> list[QBOModel]:
        """The rows typed (on demand: storing raw documents needs no models)."""
        model = ENTITY_MODELS[self.entity]
        return [model.from_qbo(row) for row in self.rows]


def item_answers(body: Any) -> dict[str, Mapping[str, Any]]:
    """``BatchItemResponse`` by bId."""
    answers = body.get("BatchItemResponse") if isinstance(body, Mapping) else None
    if not isinstance(answers, list):
        raise ServiceError("unexpected response: expected BatchItemResponse")
    return {str(a.get("bId")): a for a in answers if isinstance(a, Mapping)}


def item_rows(answer: Mapping[str, Any] | None, entity: EntityDef) -> list[dict[str, Any]]:
    """The rows of one query item's answer; its fault raised as the client's error."""
    if answer is None:
        raise ServiceError(f"the batch gave no answer for a {entity.name} query")
    fault = answer.get("Fault", answer.get("fault"))
    if fault is not None:
        raise error_from_fault({"Fault": fault}, status=None)
    data = answer.get("QueryResponse")
    if not isinstance(data, Mapping):
        raise ServiceError(f"unexpected answer to a {entity.name} query")
    rows = data.get(entity.json_key, [])
    return [r for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []


def item_count(answer: Mapping[str, Any] | None, entity: EntityDef) -> int:
    item_rows(answer, entity)  # raises the item's fault, if any
    assert answer is not None
    total = answer["QueryResponse"].get("totalCount")
    if isinstance(total, bool) or not isinstance(total, int):
        raise ServiceError(f"a {entity.name} count answered without totalCount")
    return total
