"""Companies (realms): creation with a seed, lookup, listing and reset.

Realm ids are deterministic (a fixed base plus the realm's ordinal in this database), like
entity ids, so a scripted setup gives the same ids on every run.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Table, delete, func, insert, select

from qbo.emulator.clock import Clock
from qbo.emulator.seeds import apply_seed, check_seed
from qbo.emulator.store import Store
from qbo.emulator.store import snapshot as snapshot_rows
from qbo.emulator.store.session import CURRENCY_NAMES, Realm, Session
from qbo.emulator.store.snapshot import RealmSnapshot
from qbo.emulator.timefmt import epoch_ms

REALM_ID_BASE = 9341453000000000
COUNTRIES = frozenset({"US", "CA", "GB", "UK", "AU", "IN", "FR"})


class RealmError(ValueError):
    """A realm request the control plane rejects (bad seed, zone, currency...)."""


class Realms:
    """All companies of one emulator."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self._cache: dict[str, Realm] = {}
        self._lock = threading.Lock()
        #: Each reset realm's rows right after its seed, kept so later resets restore them.
        self._seeded: dict[str, RealmSnapshot] = {}

    def get(self, realm_id: str) -> Realm | None:
        cached = self._cache.get(realm_id)
        if cached is not None:
            return cached
        if not (realm_id.isascii() and realm_id.isdigit() and len(realm_id) <= 32):
            return None  # realm ids are digits; anything else (even a NUL) is simply unknown
        t = self.store.tables.realms
        with self.store.read() as conn:
            row = conn.execute(select(t).where(t.c.realm_id == realm_id)).mappings().first()
        if row is None:
            return None
        realm = Realm(
            row["realm_id"],
            row["company_name"],
            row["country"],
            row["currency"],
            row["timezone"],
            row["seed"],
        )
        self._cache[realm_id] = realm
        return realm

    def list(self) -> list[Realm]:
        t = self.store.tables.realms
        with self.store.read() as conn:
            rows = conn.execute(select(t.c.realm_id).order_by(t.c.realm_id)).scalars().all()
        return [r for r in (self.get(rid) for rid in rows) if r is not None]

    def create(
        self,
        seed: str = "empty",
        company_name: str | None = None,
        country: str = "US",
        currency: str = "USD",
        timezone: str = "America/Los_Angeles",
        progress: Callable[[int, int], None] | None = None,
    ) -> Realm:
        try:
            check_seed(seed)
        except ValueError as exc:
            raise RealmError(str(exc)) from None
        country = country.upper()
        if country not in COUNTRIES:
            raise RealmError(
                f"unsupported country {country!r}: use one of {', '.join(sorted(COUNTRIES))}"
            )
        currency = currency.upper()
        if currency not in CURRENCY_NAMES:
            raise RealmError(
                f"unsupported currency {currency!r}: use one of {', '.join(sorted(CURRENCY_NAMES))}"
            )
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise RealmError(
                f"unknown time zone {timezone!r}: use an IANA name such as America/New_York"
            ) from None
        if company_name is not None and (
            not company_name.strip() or len(company_name) > 100 or not company_name.isprintable()
        ):
            raise RealmError("companyName must be 1 to 100 printable characters")
        with self._lock, self.store.write() as conn:
            t = self.store.tables.realms
            count = conn.execute(select(func.count()).select_from(t)).scalar_one()
            realm_id = str(REALM_ID_BASE + int(count) + 1)
            name = company_name or (
                "Sandbox Company_US_" + str(int(count) + 1)
                if seed == "empty"
                else "Craig's Design and Landscaping Services"
            )
            now = self.clock.now()
            conn.execute(
                insert(t).values(
                    realm_id=realm_id,
                    company_name=name,
                    country=country,
                    currency=currency,
                    timezone=timezone,
                    seed=seed,
                    created_ms=epoch_ms(now),
                )
            )
            realm = Realm(realm_id, name, country, currency, timezone, seed)
            apply_seed(Session(self.store, conn, realm, now), seed)
        return realm

    def realm_tables(self) -> tuple[Table, ...]:
        """The tables holding a company's books: what a reset clears and a snapshot keeps."""
        tables = self.store.tables
        return (
            *(et.table for et in tables.entities.values()),
            tables.sequences,
            tables.request_log,
            tables.changes,
            tables.ledger,
        )

    def snapshot(self, realm_id: str) -> RealmSnapshot:
        """The realm's rows as they are now (restore them with :meth:`restore`)."""
        if self.get(realm_id) is None:
            raise KeyError(realm_id)
        with self.store.read() as conn:
            return snapshot_rows.take(conn, self.realm_tables(), realm_id)

    def restore(self, snapshot: RealmSnapshot) -> Realm:
        """Put the realm back as it was when the snapshot was taken, in one transaction."""
        realm = self.get(snapshot.realm_id)
        if realm is None:
            raise KeyError(snapshot.realm_id)
        with self.store.write(realm.realm_id) as conn:
            snapshot_rows.restore(conn, self.realm_tables(), snapshot)
        return realm

    def reset(self, realm_id: str) -> Realm:
        """The realm as its seed made it: the first reset applies the seed again and keeps
        a snapshot of the result; later resets restore that snapshot (milliseconds)."""
        realm = self.get(realm_id)
        if realm is None:
            raise KeyError(realm_id)
        seeded = self._seeded.get(realm_id)
        if seeded is not None:
            return self.restore(seeded)
        with self.store.write(realm_id) as conn:
            for table in self.realm_tables():
                conn.execute(delete(table).where(table.c.realm_id == realm_id))
            apply_seed(Session(self.store, conn, realm, self.clock.now()), realm.seed)
            if not realm.seed.startswith("large:"):  # large companies are reseeded instead
                self._seeded[realm_id] = snapshot_rows.take(conn, self.realm_tables(), realm_id)
        return realm

    @contextmanager
    def session(
        self, realm: Realm, *, write: bool, include: frozenset[str] = frozenset()
    ) -> Iterator[Session]:
        """A domain session on one realm, in a read or write transaction."""
        ctx = self.store.write(realm.realm_id) if write else self.store.read()
        with ctx as conn:
            yield Session(self.store, conn, realm, self.clock.now(), include)
