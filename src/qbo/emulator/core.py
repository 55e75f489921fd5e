"""The emulator as an object: configuration, database, clock and realms together.

``Emulator.open(config)`` is all a test needs to run one in-process; the HTTP app and the
``qbo emulator serve`` command are built on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from qbo.emulator.clock import Clock
from qbo.emulator.config import EmulatorConfig
from qbo.emulator.outbound_tables import ensure_tables as ensure_outbound_tables
from qbo.emulator.realms import Realms
from qbo.emulator.store import Store, make_engine
from qbo.emulator.store.engine import resolve_url


@dataclass
class Emulator:
    config: EmulatorConfig
    store: Store
    clock: Clock
    realms: Realms

    @classmethod
    def open(cls, config: EmulatorConfig | None = None, clock: Clock | None = None) -> Emulator:
        """Connect, create the schema, and seed a first realm when the database has none."""
        config = config or EmulatorConfig()
        store = Store(make_engine(resolve_url(config.db), schema=config.db_schema))
        store.create_schema()
        ensure_outbound_tables(store)
        clock = clock or Clock()
        emulator = cls(config, store, clock, Realms(store, clock))
        if not emulator.realms.list():
            emulator.realms.create(config.seed)
        return emulator

    def close(self) -> None:
        self.store.dispose()
