"""Small typed results shared by resources, batch and CDC: deletions and query pages."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, TypeVar, overload

from qbo.schema.base import QBOModel

M = TypeVar("M", bound=QBOModel)


@dataclass(frozen=True, slots=True)
class Deleted:
    """A deleted object: the answer of a delete, or a CDC tombstone.

    ``last_updated`` is when it was deleted (CDC says; a delete response does not).
    """

    entity: str
    id: str
    last_updated: datetime | None = None


@dataclass(frozen=True)
class QueryResult(Sequence[M], Generic[M]):
    """Typed rows of a query (a sequence), with the paging facts QBO reported.

    ``total_count`` is set for ``SELECT count(*)`` queries (which have no rows), and on
    the row queries of some entities (JournalEntry), where QBO sends it next to the rows:
    do not take it there for a total across pages (the emulator counts the page's rows);
    page until a page comes back short.
    """

    entity: str | None
    rows: list[M] = field(default_factory=list)
    start_position: int | None = None
    max_results: int | None = None
    total_count: int | None = None

    @overload
    def __getitem__(self, index: int) -> M: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[M]: ...

    def __getitem__(self, index: int | slice) -> M | Sequence[M]:
        return self.rows[index]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[M]:
        return iter(self.rows)
