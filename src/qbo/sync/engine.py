"""One realm's sync passes: the initial load, then CDC, with nothing missed or doubled.

:meth:`Syncer.run_once` does whatever each entity needs:

- **load** (first run, or a reload): every row through ``client.extract`` (batched,
  paged in Id order, inactive names included). Each page is written together with the
  entity's next position, so a killed load resumes at the page it stopped on. When an
  entity's last page is written its CDC cursor is set to the load's *start* (less an
  overlap), so whatever changed during the load is read again by the next CDC pass.
  After a reload, objects the load did not see are read by Id: those that no longer
  exist become tombstones.
- **incremental**: ``client.cdc`` since the cursor (the client continues past the 1000
  cap); the rows and the new cursor are one transaction. A cursor older than CDC's 30
  days reloads that entity and says so in its status. Entities CDC leaves out are read in
  full every pass, and their deletions found by comparing Ids.

The new cursor is the pass's start less ``overlap`` (clocks differ, and a write in flight
at the server may carry an earlier time): overlapping changes come again and are skipped
by version, since applying is idempotent.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from qbo.client import (
    AsyncClient,
    AuthenticationError,
    AuthorizationError,
    CDCWindowError,
    Deleted,
    QBOError,
    ReauthorizationRequired,
    ValidationError,
)
from qbo.schema import Operation, catalogue
from qbo.sync import state
from qbo.sync import tables as t
from qbo.sync.derived import refresh_derived
from qbo.sync.documents import Change, Document, Gone
from qbo.sync.fetching import fetch
from qbo.sync.mirror import Mirror
from qbo.sync.progress import OnProgress, Progress
from qbo.sync.references import References

CDC_LOOKBACK = timedelta(days=30)
#: A cursor this close to CDC's limit is treated as past it (the request takes time).
LOOKBACK_MARGIN = timedelta(minutes=5)
DEFAULT_OVERLAP = timedelta(minutes=2)

AUTH_ERRORS = (AuthenticationError, AuthorizationError, ReauthorizationRequired)


def mirrored_entities() -> list[str]:
    """Every entity the mirror keeps: all that can be queried."""
    return [e.name for e in catalogue().entities.values() if e.allows(Operation.QUERY)]


@dataclass
class PassReport:
    """What one pass did."""

    realm_id: str
    changes: Counter[str] = field(default_factory=Counter)  # created/updated/deleted/merged
    requests: int = 0
    loaded: list[str] = field(default_factory=list)  # entities whose load finished
    reloaded: list[str] = field(default_factory=list)  # entities sent back to a load
    errors: dict[str, str] = field(default_factory=dict)  # entity -> error
    stopped: str | None = None  # why the realm is stopped (auth), else None

    @property
    def ok(self) -> bool:
        return not self.errors and self.stopped is None


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


class Syncer:
    """Keeps one realm's mirror current through ``client`` (an :class:`AsyncClient`)."""

    def __init__(
        self,
        mirror: Mirror,
        client: AsyncClient,
        *,
        entities: Iterable[str] | None = None,
        on_progress: OnProgress | None = None,
        overlap: timedelta = DEFAULT_OVERLAP,
        page_size: int = 1000,
    ) -> None:
        self.mirror = mirror
        self.client = client
        self.realm_id = client.realm_id
        self.entities = list(entities) if entities is not None else mirrored_entities()
        self.on_progress = on_progress
        self.overlap = overlap
        self.page_size = page_size

    def now(self) -> datetime:
        """The client's clock (QBO's time as far as this process can tell)."""
        return self.client.settings.clock()

    def _progress(
        self,
        entity: str,
        phase: str,
        objects: int,
        requests: int,
        *,
        total: int | None = None,
        done: bool = False,
    ) -> None:
        if self.on_progress is not None:
            self.on_progress(Progress(self.realm_id, entity, phase, objects, requests, total, done))

    # -- one pass ---------------------------------------------------------------------------
    async def run_once(self) -> PassReport:
        """Load what is not loaded, then apply changes since each cursor."""
        report = PassReport(self.realm_id)
        with self.mirror.transaction() as conn:
            state.ensure(conn, self.realm_id, self.entities)
        try:
            await self._load(report)
            await self._incremental(report)
        except AUTH_ERRORS as exc:
            report.stopped = (
                f"{_describe(exc)} - the connection to this company was refused; "
                "connect it again (qbo auth login), then `qbo sync reset --realm` it"
            )
            with self.mirror.transaction() as conn:
                state.set_realm(conn, self.realm_id, "stopped", report.stopped)
            return report
        with self.mirror.transaction() as conn:
            state.set_realm(
                conn, self.realm_id, "active", "; ".join(report.errors.values()) or None
            )
        return report

    def _cursors(self) -> dict[str, state.Cursor]:
        with self.mirror.transaction() as conn:
            known = state.load_all(conn, self.realm_id)
        return {e: known[e] for e in self.entities if e in known}

    # -- loads ------------------------------------------------------------------------------
    async def _load(self, report: PassReport) -> None:
        cursors = self._cursors()
        loading = [c for c in cursors.values() if c.phase == state.LOAD]
        if not loading:
            return
        started = self.now()
        numbers: dict[str, int] = {}
        with self.mirror.transaction() as conn:
            for cursor in loading:
                if cursor.load_started is None:  # a new load (not a resumed one)
                    numbers[cursor.entity] = cursor.load_number + 1
                    state.save(
                        conn,
                        self.realm_id,
                        cursor.entity,
                        load_number=cursor.load_number + 1,
                        load_position=1,
                        load_started=started,
                        last_error=None,
                    )
                else:
                    numbers[cursor.entity] = cursor.load_number
        cursors = self._cursors()
        requests = 0

        def count() -> None:
            nonlocal requests
            requests += 1
            report.requests += 1

        objects: Counter[str] = Counter()
        pages = self.client.extract(
            [c.entity for c in loading],
            start={c.entity: c.load_position for c in loading},
            page_size=self.page_size,
            on_request=count,
        )
        async for page in pages:
            cursor = cursors[page.entity]
            phase = "load" if catalogue().entities[page.entity].cdc else "refresh"
            with self.mirror.transaction() as conn:
                if page.error is not None:
                    report.errors[page.entity] = _describe(page.error)
                    state.save(
                        conn, self.realm_id, page.entity, last_error=report.errors[page.entity]
                    )
                    continue
                report.changes += self.mirror.load_page(
                    conn, self.realm_id, page.entity, page.raw_rows, numbers[page.entity]
                )
                state.save(conn, self.realm_id, page.entity, load_position=page.next_start)
            objects[page.entity] += len(page)
            self._progress(
                page.entity,
                phase,
                objects[page.entity],
                requests,
                total=page.total,
                done=page.done,
            )
            if page.done:
                await self._finish_load(cursor, numbers[cursor.entity], report)

    async def _finish_load(self, cursor: state.Cursor, number: int, report: PassReport) -> None:
        """After an entity's last page: tombstone what the load did not find, then hand
        the entity to CDC from the load's start (or, outside CDC, to the next pass)."""
        await self._sweep_unseen(cursor, number, report)
        entity = catalogue().entities[cursor.entity]
        assert cursor.load_started is not None
        with self.mirror.transaction() as conn:
            if entity.cdc:
                state.save(
                    conn,
                    self.realm_id,
                    cursor.entity,
                    phase=state.INCREMENTAL,
                    cdc_since=cursor.load_started - self.overlap,
                    last_pass=self.now().isoformat(),  # load_started stays: see _cdc
                )
                report.loaded.append(cursor.entity)
            else:  # read in full again next pass
                state.save(
                    conn,
                    self.realm_id,
                    cursor.entity,
                    load_started=None,
                    last_pass=self.now().isoformat(),
                )

    async def _sweep_unseen(self, cursor: state.Cursor, number: int, report: PassReport) -> None:
        """Live objects this load did not see: read them by Id; those gone become
        tombstones (those that exist were only added after the load passed them)."""
        o = t.objects
        with self.mirror.transaction() as conn:
            unseen = list(
                conn.execute(
                    select(o.c.id).where(
                        o.c.realm_id == self.realm_id,
                        o.c.entity == cursor.entity,
                        o.c.deleted.is_(False),
                        or_(o.c.seen_load.is_(None), o.c.seen_load != number),
                    )
                ).scalars()
            )
        if not unseen:
            return
        fetched = await fetch(self.client, {cursor.entity: unseen})
        report.requests += fetched.requests
        if cursor.entity in fetched.errors:
            report.errors[cursor.entity] = fetched.errors[cursor.entity]
            return
        when = self.now()
        changes: list[Change] = list(fetched.documents)
        changes += [Gone(cursor.entity, i, when) for i in fetched.missing.get(cursor.entity, [])]
        touched = References()
        with self.mirror.transaction() as conn:
            report.changes += self.mirror.apply(conn, self.realm_id, changes, touched=touched)
        await self._refresh(touched, report)

    # -- CDC ----------------------------------------------------------------------------------
    async def _incremental(self, report: PassReport) -> None:
        cursors = self._cursors()
        groups: dict[datetime, list[str]] = {}
        for cursor in cursors.values():
            if cursor.phase == state.INCREMENTAL and cursor.cdc_since is not None:
                groups.setdefault(cursor.cdc_since, []).append(cursor.entity)
        for since, entities in sorted(groups.items()):
            await self._cdc(since, entities, report)

    def _reload(self, entities: list[str], since: datetime, report: PassReport) -> None:
        note = (
            f"reloaded: its cursor ({since.isoformat()}) was older than CDC's 30 days, "
            "so changes since then cannot be read incrementally"
        )
        with self.mirror.transaction() as conn:
            for entity in entities:
                state.save(
                    conn,
                    self.realm_id,
                    entity,
                    phase=state.LOAD,
                    load_position=1,
                    load_started=None,
                    note=note,
                )
        report.reloaded.extend(entities)

    async def _cdc(self, since: datetime, entities: list[str], report: PassReport) -> None:
        started = self.now()
        if since < started - CDC_LOOKBACK + LOOKBACK_MARGIN:
            self._reload(entities, since, report)
            await self._load(report)
            return
        try:
            result = await self.client.cdc(entities, since)
        except CDCWindowError:  # over 1000 changes at one instant (a bulk import)
            if len(entities) > 1:
                for entity in entities:
                    await self._cdc(since, [entity], report)
            else:
                await self._catch_up_by_query(entities[0], since, started, report)
            return
        except ValidationError as exc:
            if "changedSince" not in str(exc.detail or ""):
                raise
            self._reload(entities, since, report)
            await self._load(report)
            return
        except AUTH_ERRORS:
            raise
        except QBOError as exc:
            for entity in entities:
                report.errors[entity] = _describe(exc)
            return
        report.requests += result.requests
        changes: list[Change] = []
        for entity in entities:
            for change in result.of(entity):
                if isinstance(change, Deleted):
                    changes.append(Gone(entity, change.id, change.last_updated or started))
                else:
                    changes.append(Document(entity, change.to_qbo()))
        touched = self._commit(changes, entities, started, report)
        for entity in entities:
            count = sum(1 for c in changes if c.entity == entity)
            self._progress(entity, "cdc", count, result.requests, done=True)
        await self._refresh(touched, report)
        # The first pass after a load: a deletion during the load shifted the later pages
        # (STARTPOSITION counts rows), so an unchanged row may have been passed over.
        cursors = self._cursors()
        for entity in entities:
            cursor = cursors.get(entity)
            if cursor is None or cursor.load_started is None:
                continue
            if any(isinstance(c, Gone) and c.entity == entity for c in changes):
                await self._recover_passed_over(entity, report)
            with self.mirror.transaction() as conn:
                state.save(conn, self.realm_id, entity, load_started=None)

    async def _all_ids(self, entity: str, report: PassReport) -> set[str]:
        """Every Id of ``entity`` at QBO (inactive names included)."""
        active = "Active" in catalogue().entities[entity].fields
        rows = await self.client.query(
            f"SELECT Id FROM {entity}" + (" WHERE Active IN (true, false)" if active else "")
        )
        report.requests += 1 + len(rows) // 1000
        return {str(row.to_qbo().get("Id")) for row in rows}

    async def _recover_passed_over(self, entity: str, report: PassReport) -> None:
        """Objects QBO has that the mirror has never seen: read and apply them."""
        present = await self._all_ids(entity, report)
        o = t.objects
        with self.mirror.transaction() as conn:
            known = set(
                conn.execute(
                    select(o.c.id).where(o.c.realm_id == self.realm_id, o.c.entity == entity)
                ).scalars()
            )
        unknown = sorted(present - known)
        if not unknown:
            return
        fetched = await fetch(self.client, {entity: unknown})
        report.requests += fetched.requests
        report.errors.update(fetched.errors)
        touched = References()
        with self.mirror.transaction() as conn:
            report.changes += self.mirror.apply(
                conn, self.realm_id, list(fetched.documents), touched=touched
            )
        await self._refresh(touched, report)

    async def _catch_up_by_query(
        self, entity: str, since: datetime, started: datetime, report: PassReport
    ) -> None:
        """Changes CDC cannot page past, read by query: objects changed since ``since``,
        and deletions found by comparing the full list of Ids with the mirror's."""
        definition = catalogue().entities[entity]
        active = " AND Active IN (true, false)" if "Active" in definition.fields else ""
        stamp = since.replace(microsecond=0).isoformat()
        changed = await self.client.query(
            f"SELECT * FROM {entity} WHERE MetaData.LastUpdatedTime >= '{stamp}'{active}"
        )
        present = await self._all_ids(entity, report)
        report.requests += 1 + len(changed) // 1000
        documents: list[Change] = [Document(entity, row.to_qbo()) for row in changed]
        o = t.objects
        with self.mirror.transaction() as conn:
            live = set(
                conn.execute(
                    select(o.c.id).where(
                        o.c.realm_id == self.realm_id, o.c.entity == entity, o.c.deleted.is_(False)
                    )
                ).scalars()
            )
        missing = sorted(live - present - {d.id for d in documents})
        if missing:  # confirm by Id: one created after the list was read is not gone
            fetched = await fetch(self.client, {entity: missing})
            report.requests += fetched.requests
            documents += fetched.documents
            when = self.now()
            documents += [Gone(entity, i, when) for i in fetched.missing.get(entity, [])]
        note = "more changes at one instant than CDC can return; read by query"
        touched = self._commit(documents, [entity], started, report, note=note)
        self._progress(entity, "cdc", len(documents), 2, done=True)
        await self._refresh(touched, report)

    def _commit(
        self,
        changes: list[Change],
        entities: list[str],
        started: datetime,
        report: PassReport,
        note: str | None = None,
    ) -> References:
        """The changes and the entities' new cursors, in one transaction."""
        touched = References()
        extra = {"note": note} if note is not None else {}
        with self.mirror.transaction() as conn:
            report.changes += self.mirror.apply(conn, self.realm_id, changes, touched=touched)
            for entity in entities:
                state.save(
                    conn,
                    self.realm_id,
                    entity,
                    cdc_since=started - self.overlap,
                    last_pass=started.isoformat(),
                    last_error=None,
                    **extra,
                )
        return touched

    async def _refresh(self, touched: References, report: PassReport) -> None:
        """Re-read the names and accounts the applied transactions touched (those kept)."""
        touched.ids = {e: ids for e, ids in touched.ids.items() if e in self.entities}
        touched.accounts = touched.accounts and "Account" in self.entities
        refreshed = await refresh_derived(self.mirror, self.client, touched)
        report.changes += refreshed.changes
        report.requests += refreshed.requests
        report.errors.update(refreshed.errors)
