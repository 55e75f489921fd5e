"""The sync engine as a fleet: many workers, many machines, one PostgreSQL.

Jobs run on procrastinate (a PostgreSQL task queue): the jobs live in the same database as
the mirror, a lock per realm keeps two workers off one company, a queueing lock keeps a
realm from having two identical jobs waiting, periodic tasks sweep every realm and
recover the jobs of workers that died. Tokens are shared through the client's SQL token
store (encrypted with ``QBO_TOKEN_KEY``), so a refresh happens once across machines, and
requests are paced through a store every worker shares (PostgreSQL, or Redis), so all of
them together stay under Intuit's per-company limits.

    settings = FleetSettings.from_env("postgresql+psycopg://.../qbo")
    fleet = Fleet(settings)
    fleet.connect(realm_id, token)      # a company joins; its initial load is queued
    await fleet.run_worker(concurrency=4)

With the default SQLite mirror none of this is needed: ``qbo sync run|watch`` do the same
work in one process.
"""

from qbo.sync.fleet.fleet import Fleet
from qbo.sync.fleet.settings import FleetSettings

__all__ = ["Fleet", "FleetSettings"]
