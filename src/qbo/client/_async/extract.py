"""``client.extract()``: every row of many entities through batched, paged query items.

First one batch of ``count(*)`` items (30 entities per request) sizes each entity; then
the pages (``ORDERBY Id``, 1000 rows) of all entities are packed 30 to a ``/batch``
request, and each page is yielded as soon as its response is read, while the next
request is already in flight (``AHEAD`` requests at most: the caller's work on one
response overlaps QBO's time on the next). An entity whose last
planned page comes back full (rows were added since the count) gets one more page, so
nothing added during the extract is cut off. ``start`` resumes an entity at a row
position (a load killed half way continues where it stopped). Requests are paced and
retried by the client like any other.
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable, Mapping

from qbo.client._async.core import AsyncCore
from qbo.client._inflight import AsyncAhead
from qbo.client.errors import QBOError
from qbo.client.extraction import (
    PAGE_SIZE,
    ExtractPage,
    ItemAnswer,
    count_text,
    item_answers,
    item_count,
    item_rows,
    page_text,
    resolve_entities,
)
from qbo.client.pacing import Cost
from qbo.schema import EntityDef
from qbo.schema.base import QBOModel

BATCH_ITEMS = 30
#: ``/batch`` requests in flight at once: QBO allows 10 concurrent requests and 40 batch
#: requests a minute per company (the client's pacing keeps to both). With three, one
#: response is read while two are answered: a 100,000-row load into a mirror took 0.85x
#: the time it took with two, and four were no faster (benchmarks/RESULTS.md, "Sync").
AHEAD = 3


async def _send(core: AsyncCore, queries: list[str]) -> dict[str, ItemAnswer]:
    response = await core.transport.request(
        "POST",
        "batch",
        json={"BatchItemRequest": [{"bId": str(i), "Query": q} for i, q in enumerate(queries)]},
        cost=Cost(weight=len(queries), batch=True),
    )
    return item_answers(response)


async def _counts(
    core: AsyncCore, entities: list[EntityDef], on_request: Callable[[], None] | None
) -> dict[str, int | QBOError]:
    out: dict[str, int | QBOError] = {}
    groups = [entities[i : i + BATCH_ITEMS] for i in range(0, len(entities), BATCH_ITEMS)]
    ahead: AsyncAhead[dict[str, ItemAnswer]] = AsyncAhead(AHEAD)
    answered = await ahead.all(_send(core, [count_text(e) for e in group]) for group in groups)
    for group, answers in zip(groups, answered, strict=True):
        if on_request is not None:
            on_request()
        for index, entity in enumerate(group):
            try:
                out[entity.name] = item_count(answers.get(str(index)), entity)
            except QBOError as exc:
                out[entity.name] = exc
    return out


async def run_extract(
    core: AsyncCore,
    entities: Iterable[str | type[QBOModel]] | None,
    *,
    start: Mapping[str, int] | None = None,
    page_size: int = PAGE_SIZE,
    on_request: Callable[[], None] | None = None,
) -> AsyncIterator[ExtractPage]:
    if not 1 <= page_size <= PAGE_SIZE:
        raise ValueError(f"page_size must be 1 to {PAGE_SIZE}")
    definitions = resolve_entities(entities)
    starts = dict(start or {})
    counts = await _counts(core, definitions, on_request)
    queue: deque[tuple[EntityDef, int]] = deque()
    last_planned: dict[str, int] = {}  # entity -> start of its last planned page
    for entity in definitions:
        total = counts[entity.name]
        if isinstance(total, QBOError):
            yield ExtractPage(entity.name, starts.get(entity.name, 1), done=True, error=total)
            continue
        position = max(1, starts.get(entity.name, 1))
        queue.append((entity, position))  # at least one page, even past the end
        while position + page_size <= total:
            position += page_size
            queue.append((entity, position))
        last_planned[entity.name] = position
    failed: set[str] = set()
    ahead: AsyncAhead[tuple[list[tuple[EntityDef, int]], dict[str, ItemAnswer]]]
    ahead = AsyncAhead(AHEAD)

    async def pages(
        chunk: list[tuple[EntityDef, int]],
    ) -> tuple[list[tuple[EntityDef, int]], dict[str, ItemAnswer]]:
        return chunk, await _send(core, [page_text(e, p, page_size) for e, p in chunk])

    try:
        while queue or len(ahead):
            while queue and not ahead.full:
                chunk = [queue.popleft() for _ in range(min(BATCH_ITEMS, len(queue)))]
                ahead.start(pages(chunk))
            chunk, answers = await ahead.next()
            if on_request is not None:
                on_request()
            for index, (entity, position) in enumerate(chunk):
                if entity.name in failed:
                    continue
                total = counts[entity.name]
                known = total if isinstance(total, int) else None
                try:
                    rows = item_rows(answers.get(str(index)), entity)
                except QBOError as exc:
                    failed.add(entity.name)
                    yield ExtractPage(entity.name, position, done=True, error=exc, total=known)
                    continue
                last = position >= last_planned[entity.name]
                if last and len(rows) >= page_size:  # rows were added since the count
                    last_planned[entity.name] = position + page_size
                    queue.append((entity, position + page_size))
                    last = False
                yield ExtractPage(entity.name, position, rows, done=last, total=known)
            queue = deque(item for item in queue if item[0].name not in failed)
    finally:
        await ahead.aclose()
