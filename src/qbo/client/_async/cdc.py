"""Change data capture with no silent cap: windows continued until none hits 1000.

Each request asks for changes since a cursor. A response holding 1000 objects (QBO's cap)
may have left changes out; since QBO returns the *oldest* 1000, the next request starts at
the newest ``LastUpdatedTime`` seen (objects at exactly that instant come again and are
deduplicated). If a capped response makes no progress (1000 changes share one instant), a
request for several entities is split into one request per entity; a single entity that
still cannot progress raises CDCWindowError rather than return a truncated result.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from qbo.client._async.core import AsyncCore
from qbo.client.changes import (
    CDC_CAP,
    CDCResult,
    cdc_entities,
    check_window,
    newest,
    parse_cdc,
    since_text,
)
from qbo.client.errors import CDCWindowError
from qbo.client.pacing import Cost
from qbo.schema import EntityDef
from qbo.schema.base import QBOModel


async def run_cdc(
    core: AsyncCore, entities: Iterable[str | type[QBOModel]], since: datetime | date
) -> CDCResult:
    definitions = cdc_entities(entities)
    start = check_window(since, core.settings.clock())
    result = CDCResult(start)
    pending: list[tuple[list[EntityDef], datetime]] = [(definitions, start)]
    while pending:
        group, cursor = pending.pop()
        body = await core.transport.request_json(
            "GET",
            "cdc",
            params={
                "entities": ",".join(e.name for e in group),
                "changedSince": since_text(cursor),
            },
            cost=Cost(),
        )
        result.requests += 1
        records = parse_cdc(body)
        result.merge(records)
        if len(records) < CDC_CAP:
            continue
        latest = newest(records)
        if latest is not None and latest > cursor:
            pending.append((group, latest))
        elif len(group) > 1:
            pending.extend(([entity], cursor) for entity in group)
        else:
            raise CDCWindowError(
                f"more than {CDC_CAP} {group[0].name} changes share LastUpdatedTime "
                f"{since_text(cursor)}; CDC cannot page past them (use a query instead)",
                code="CDC_CAP",
            )
    return result
