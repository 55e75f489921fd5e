"""What ``qbo sync fleet`` shows: each realm's health and jobs, and the workers alive.

Job counts come from procrastinate's own table (jobs carry the realm in their lock),
workers from its heartbeat table; lag is the time since the realm's last good run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from qbo.sync.fleet import registry

if TYPE_CHECKING:
    from procrastinate import App

    from qbo.sync.mirror import Mirror


@dataclass(frozen=True)
class RealmOverview:
    realm_id: str
    state: str
    reason: str | None
    last_ok: datetime | None
    queued: int
    running: int
    failed: int


@dataclass(frozen=True)
class FleetOverview:
    realms: list[RealmOverview]
    workers_alive: int


async def fleet_overview(
    mirror: Mirror, app: App, *, heartbeat_within: float = 30.0
) -> FleetOverview:
    """The fleet as its database sees it: needs no app credentials, only the database."""
    window = heartbeat_within
    with mirror.transaction() as conn:
        realms = registry.all_realms(conn)
        good = registry.last_good(conn)
    counts: dict[tuple[str, str], int] = {}
    async with app.open_async():
        jobs = await app.job_manager.list_jobs_async()
        connector = app.connector
        alive_row = await connector.execute_query_one_async(
            "SELECT count(*) AS n FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - make_interval(secs => %(window)s)",
            window=window,
        )
    for job in jobs:
        if job.lock and job.lock.startswith("realm:") and job.status:
            key = (job.lock.removeprefix("realm:"), str(job.status))
            counts[key] = counts.get(key, 0) + 1
    overview = [
        RealmOverview(
            realm.realm_id,
            realm.state,
            realm.reason,
            good.get(realm.realm_id),
            counts.get((realm.realm_id, "todo"), 0),
            counts.get((realm.realm_id, "doing"), 0),
            counts.get((realm.realm_id, "failed"), 0),
        )
        for realm in realms
    ]
    return FleetOverview(overview, int(alive_row["n"]))
