"""Change data capture: ``GET /cdc?entities=Invoice,Customer&changedSince=...`` as QBO documents it.

It reads the change log (the ``changes`` table), which ``domain`` writes in the same
transaction as every change, so no committed change can be missing from it. For every
object of the requested entities changed at or after ``changedSince`` the answer holds the
object's *latest* state (the full entity) or, when it no longer exists (deleted, or
merged away), a tombstone ``{"domain": "QBO", "status": "Deleted", "Id", "MetaData":
{"LastUpdatedTime"}}``.

Rules and choices:

- ``changedSince`` is an ISO date or datetime; without a UTC offset it is read in the
  company's time zone. A ``+`` in the offset that arrived as a space (an unencoded URL)
  is read as ``+``. It may be at most 30 days before now on the emulator clock; older is a
  ValidationFault, code 6000 (QBO's code is not documented; its message reads "Operation
  cdc with changedSince date ... which is older than fixed days is not supported"). A
  bad value is 2010, a missing one 2020.
- Entities are comma separated, case-insensitive. Unknown names get 2010; entities CDC
  does not cover (JournalCode, TaxAgency, TimeActivity, TaxCode, TaxRate) get
  Unsupported Operation (code 500, HTTP 400: retrying cannot help).
- ``changedSince`` is inclusive: an object whose last change is at exactly that instant
  is returned.
- **The 1000-object cap.** When more than 1000 objects changed, the response holds the
  1000 whose last change is oldest (ties broken by entity name, then Id). Everything
  changed later is left for the next call. A client continues with ``changedSince`` set
  to the largest ``MetaData.LastUpdatedTime`` it received: the objects changed in that
  same second come again (drop them by Id), and nothing is skipped. The one case this
  cannot page through is more than 1000 objects changed within a single second, as
  LastUpdatedTime has whole seconds.
- One ``QueryResponse`` per requested entity, in the order requested, ``{}`` when none of
  that entity changed; within an entity, objects come by last change, then Id.
- A merge (``qbo.emulator.merge``) logs a ``Merge`` change for the surviving object with
  the removed object's id in ``deleted_id``; that id is reported as a tombstone.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, union_all

from qbo.emulator.store.session import Session
from qbo.emulator.timefmt import meta_time, parse_instant
from qbo.schema import EntityDef, catalogue, jsoncodec
from qbo.schema.faults import (
    Fault,
    FaultCode,
    invalid_property,
    required_missing,
    unsupported_operation,
)

CDC_MAX_OBJECTS = 1000
LOOKBACK = timedelta(days=30)
_CHUNK = 500  # ids per IN (...) list, well under every database's parameter limit


def cdc_query(s: Session, value: Any) -> dict[str, Any]:
    """A batch item's ``CDCQuery {Entities, ChangedSince}``."""
    if not isinstance(value, dict):
        raise invalid_property(
            "CDCQuery", "CDCQuery must be an object with Entities and ChangedSince"
        )
    unknown = sorted(set(value) - {"Entities", "ChangedSince"})
    if unknown:
        raise invalid_property(f"CDCQuery.{unknown[0]}")
    return changes_since(s, value.get("Entities"), value.get("ChangedSince"))


def changes_since(
    s: Session, entities: Any, changed_since: Any, limit: int = CDC_MAX_OBJECTS
) -> dict[str, Any]:
    """``{"QueryResponse": [...]}``: one CDCResponse element."""
    wanted = parse_entities(entities)
    since = parse_since(s, changed_since)
    rows = changed_objects(s, [e.name for e in wanted], since, limit)
    by_entity: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for name, object_id, last_ms in rows:
        by_entity[name].append((object_id, last_ms))
    responses: list[dict[str, Any]] = []
    for entity in wanted:
        changed = by_entity.get(entity.name, [])
        if not changed:
            responses.append({})
            continue
        docs = _documents(s, entity, [object_id for object_id, _ in changed])
        objects = [
            docs.get(object_id) or _tombstone(s, object_id, last_ms)
            for object_id, last_ms in changed
        ]
        page = {entity.json_key: objects, "startPosition": 1, "maxResults": len(objects)}
        responses.append({**page, "totalCount": len(objects)})  # as recorded CDC answers
    return {"QueryResponse": responses}


def parse_entities(value: Any) -> list[EntityDef]:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise required_missing("entities")
    if not isinstance(value, str):
        raise invalid_property("entities", "a comma-separated list of entity names")
    found: list[EntityDef] = []
    for name in (part.strip() for part in value.split(",")):
        if not name:
            continue
        entity = catalogue().find_entity(name)
        if entity is None:
            raise invalid_property("entities", f"{name} is not an entity")
        if not entity.cdc:
            raise unsupported_operation(entity.name, "CDC")
        if entity not in found:
            found.append(entity)
    if not found:
        raise required_missing("entities")
    return found


def parse_since(s: Session, value: Any) -> datetime:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise required_missing("changedSince")
    text = str(value).strip()
    head, sep, tail = text.rpartition(" ")
    if sep and "T" in head and len(tail) == 5 and tail[2] == ":":
        text = f"{head}+{tail}"  # "...T10:00:00 05:00": a "+" decoded as a space
    try:
        since = parse_instant(text, s.realm.timezone)
    except ValueError:
        raise invalid_property(
            "changedSince", f"{text!r} is not an ISO 8601 date or datetime"
        ) from None
    oldest = s.now - LOOKBACK
    if since < oldest:
        raise Fault.of(
            FaultCode.BUSINESS_VALIDATION,
            f"Operation cdc with changedSince date {text} which is older than 30 days is not "
            f"supported: changedSince must be on or after {meta_time(oldest, s.realm.timezone)}",
            element="changedSince",
        )
    return since


def changed_objects(
    s: Session, entities: list[str], since: datetime, limit: int
) -> list[tuple[str, int, int]]:
    """(entity, id, last change in epoch ms) of the ``limit`` objects changed longest ago."""
    c = s.store.tables.changes.c
    since_ms = int(since.timestamp() * 1000)
    scope = (c.realm_id == s.realm.realm_id) & (c.changed_ms >= since_ms) & c.entity.in_(entities)
    direct = select(c.entity, c.entity_id.label("oid"), c.changed_ms).where(scope)
    merged_away = select(c.entity, c.deleted_id.label("oid"), c.changed_ms).where(
        scope, c.operation == "Merge", c.deleted_id.is_not(None)
    )
    both = union_all(direct, merged_away).subquery()
    last = func.max(both.c.changed_ms).label("last_ms")
    stmt = (
        select(both.c.entity, both.c.oid, last)
        .group_by(both.c.entity, both.c.oid)
        .order_by(last, both.c.entity, both.c.oid)
        .limit(limit)
    )
    return [(str(r[0]), int(r[1]), int(r[2])) for r in s.conn.execute(stmt)]


def _documents(s: Session, entity: EntityDef, ids: list[int]) -> dict[int, dict[str, Any]]:
    t = s.store.tables.entities[entity.name].table
    docs: dict[int, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        rows = s.conn.execute(
            select(t.c.id, t.c.doc).where(t.c.realm_id == s.realm.realm_id, t.c.id.in_(chunk))
        )
        for object_id, doc in rows:
            docs[int(object_id)] = jsoncodec.loads(doc)
    return docs


def _tombstone(s: Session, object_id: int, last_ms: int) -> dict[str, Any]:
    when = datetime.fromtimestamp(last_ms / 1000, UTC)
    return {
        "domain": "QBO",
        "status": "Deleted",
        "Id": str(object_id),
        "MetaData": {"LastUpdatedTime": meta_time(when, s.realm.timezone)},
    }
