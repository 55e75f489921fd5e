"""SQL persistence for the emulator: one code path for SQLite and PostgreSQL."""

from qbo.emulator.store.engine import Store, make_engine
from qbo.emulator.store.tables import EntityTable, Tables

__all__ = ["EntityTable", "Store", "Tables", "make_engine"]
