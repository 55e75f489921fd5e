"""Reading objects again by Id: batched queries, 30 items to a request.

Webhook events name objects without their content, and a reload must ask whether
objects it did not see still exist; both read ``SELECT * FROM X WHERE Id IN (...)``
(inactive names included), packed into ``/batch`` requests by the client. An Id the
answer leaves out no longer exists. When everything wanted fits one query (the usual
webhook delivery: a few objects of one entity), it is sent as that query alone: a
``/batch`` wrapped around a single item costs QBO's batch time for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from qbo.client import AsyncClient, QBOError, QueryResult, ValidationError
from qbo.schema import Operation, catalogue
from qbo.sync.documents import Document

IDS_PER_ITEM = 100


@dataclass
class Fetched:
    documents: list[Document] = field(default_factory=list)
    missing: dict[str, list[str]] = field(default_factory=dict)  # entity -> ids
    errors: dict[str, str] = field(default_factory=dict)  # entity -> error
    requests: int = 0


def queryable(entity: str) -> bool:
    found = catalogue().entities.get(entity)
    return found is not None and found.allows(Operation.QUERY)


def _id_list(ids: list[str]) -> str:
    return ", ".join("'" + i.replace("'", "") + "'" for i in ids)


def _text(entity: str, ids: list[str]) -> str:
    definition = catalogue().entities[entity]
    where = f"Id IN ({_id_list(ids)})"
    if "Active" in definition.fields:
        where += " AND Active IN (true, false)"
    return f"SELECT * FROM {entity} WHERE {where} MAXRESULTS 1000"


async def fetch(client: AsyncClient, wanted: Mapping[str, Iterable[str]]) -> Fetched:
    """The current documents of ``wanted`` (entity -> ids); ids not found are missing.

    A faulted item's entity lands in ``errors`` (its ids are neither found nor missing);
    transport failures after the client's retries are raised.
    """
    out = Fetched()
    items: list[tuple[str, list[str]]] = []  # (entity, ids) per query
    for entity, ids in wanted.items():
        unique = sorted({i for i in ids if i.isdigit()}, key=int)
        items += [
            (entity, unique[first : first + IDS_PER_ITEM])
            for first in range(0, len(unique), IDS_PER_ITEM)
        ]
    if not items:
        return out
    answers: list[QueryResult[Any] | QBOError]
    if len(items) == 1:
        try:
            answers = [await client.query(_text(*items[0]))]
        except ValidationError as exc:  # the query's own fault, as a batch item would carry
            answers = [exc]  # (a failing QBO is raised, as a failing /batch is)
        out.requests = 1
    else:
        batch = client.batch()
        bids = [batch.query(_text(entity, ids)) for entity, ids in items]
        result = await batch.execute()
        out.requests = (len(items) + 29) // 30
        answers = []
        for bid in bids:
            error = result[bid].error
            answers.append(error if error is not None else result[bid].unwrap_as(QueryResult))
    for (entity, ids), rows in zip(items, answers, strict=True):
        if isinstance(rows, QBOError):
            out.errors[entity] = _describe(rows)
            continue
        found = set()
        for row in rows:
            data = row.to_qbo()
            found.add(str(data.get("Id")))
            out.documents.append(Document(entity, data))
        gone = [i for i in ids if i not in found]
        if gone:
            out.missing.setdefault(entity, []).extend(gone)
    return out


def _describe(error: QBOError) -> str:
    return f"{type(error).__name__}: {error}"
