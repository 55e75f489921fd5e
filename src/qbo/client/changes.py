"""Change data capture as pure data: window checks, parsing, merging.

QBO's ``GET /cdc`` looks back at most 30 days and returns at most 1000 objects; when more
changed, what comes back is the 1000 with the oldest ``LastUpdatedTime``. The client
therefore continues from the newest time it saw until a response is not capped, and
merges the pieces, keeping the newest version of each (entity, Id): a deletion after an
update wins, an update after a deletion (a re-created id) wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from qbo.client import _wire as wire
from qbo.client.errors import CDCWindowError, ServiceError, UnsupportedOperationError
from qbo.client.results import Deleted
from qbo.schema import EntityDef, catalogue
from qbo.schema.base import QBOModel
from qbo.schema.faults import FaultCode

MAX_LOOKBACK = timedelta(days=30)
CDC_CAP = 1000  # objects in one response

Change = QBOModel | Deleted


def cdc_entities(entities: Iterable[str | type[QBOModel]]) -> list[EntityDef]:
    """Entity definitions for CDC; UnsupportedOperationError for those QBO leaves out."""
    out = wire.entity_defs(entities)
    for entity in out:
        if not entity.cdc:
            raise UnsupportedOperationError(
                f"{entity.name} is not available through change data capture",
                code=FaultCode.UNSUPPORTED_OPERATION,
            )
    if not out:
        raise ValueError("name at least one entity")
    return out


def as_instant(since: datetime | date) -> datetime:
    """An aware datetime for ``since``; a date means its midnight UTC; naive is refused."""
    if isinstance(since, datetime):
        if since.tzinfo is None or since.utcoffset() is None:
            raise ValueError("since must be timezone-aware (a naive time is ambiguous)")
        return since
    return datetime.combine(since, time(0), tzinfo=UTC)


def check_window(since: datetime | date, now: datetime) -> datetime:
    """The instant to ask from; CDCWindowError (before any I/O) past QBO's 30 days."""
    instant = as_instant(since)
    oldest = now - MAX_LOOKBACK
    if instant < oldest:
        raise CDCWindowError(
            f"change data capture reaches back at most 30 days: {instant.isoformat()} is "
            f"before {oldest.isoformat()}; read older changes with queries on "
            "MetaData.LastUpdatedTime instead",
            code="CDC_WINDOW",
        )
    return instant


def since_text(instant: datetime) -> str:
    """``changedSince`` as QBO takes it: ISO 8601 with the offset, whole seconds."""
    return instant.replace(microsecond=0).isoformat()


def _time(data: Any) -> datetime | None:
    meta = data.get("MetaData") if isinstance(data, Mapping) else None
    value = meta.get("LastUpdatedTime") if isinstance(meta, Mapping) else None
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


@dataclass(frozen=True, slots=True)
class ChangeRecord:
    entity: str
    id: str
    change: Change
    last_updated: datetime | None


def parse_cdc(body: Any) -> list[ChangeRecord]:
    """Every object of a CDC response, typed: models, or Deleted for tombstones."""
    if not isinstance(body, Mapping) or not isinstance(body.get("CDCResponse"), list):
        raise ServiceError("unexpected response: expected CDCResponse")
    by_key = {e.json_key: e for e in catalogue().entities.values()}
    records: list[ChangeRecord] = []
    for response in body["CDCResponse"]:
        groups = response.get("QueryResponse", []) if isinstance(response, Mapping) else []
        if isinstance(groups, Mapping):
            groups = [groups]
        for group in groups:
            if not isinstance(group, Mapping):
                continue
            for key, objects in group.items():
                entity = by_key.get(key)
                if entity is None or not isinstance(objects, list):
                    continue
                for data in objects:
                    when = _time(data)
                    change: Change = (
                        wire.parse_deleted(entity, data)
                        if wire.is_deleted(data)
                        else wire.parse_entity(entity, data)
                    )
                    records.append(ChangeRecord(entity.name, str(data.get("Id", "")), change, when))
    return records


@dataclass
class CDCResult:
    """The newest change of each (entity, Id) since the requested instant."""

    since: datetime
    _changes: dict[tuple[str, str], ChangeRecord] = field(default_factory=dict)
    requests: int = 0  # how many CDC requests it took

    def merge(self, records: Iterable[ChangeRecord]) -> None:
        for record in records:
            key = (record.entity, record.id)
            known = self._changes.get(key)
            if known is None or _newer_or_same(record.last_updated, known.last_updated):
                self._changes[key] = record

    def __iter__(self) -> Iterator[Change]:
        return (r.change for r in self._changes.values())

    def __len__(self) -> int:
        return len(self._changes)

    def of(self, entity: str) -> list[Change]:
        """The changes of one entity (models and deletions)."""
        name = wire.entity_def(entity).name
        return [r.change for r in self._changes.values() if r.entity == name]

    @property
    def updated(self) -> list[QBOModel]:
        """Objects created or changed (and still existing)."""
        return [r.change for r in self._changes.values() if isinstance(r.change, QBOModel)]

    @property
    def deleted(self) -> list[Deleted]:
        return [r.change for r in self._changes.values() if isinstance(r.change, Deleted)]


def _newer_or_same(new: datetime | None, old: datetime | None) -> bool:
    if new is None or old is None:
        return True
    return new >= old


def newest(records: Iterable[ChangeRecord]) -> datetime | None:
    times = [r.last_updated for r in records if r.last_updated is not None]
    return max(times) if times else None
