"""What ``qbo sync fleet`` shows: each realm's health and jobs, and the workers alive.

Job counts come from procrastinate's own table (jobs carry the realm in their lock),
workers from its heartbeat table; lag is the time since the realm's last good run.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from qbo.sync import tables as t
from qbo.sync.fleet import registry

if TYPE_CHECKING:
    from qbo.sync.fleet.fleet import Fleet


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


async def fleet_overview(fleet: Fleet, *, heartbeat_within: float | None = None) -> FleetOverview:
    window = heartbeat_within or fleet.settings.stalled_after
    r = t.fleet_runs
    with fleet.mirror.transaction() as conn:
        realms = registry.all_realms(conn)
        good = dict(
            conn.execute(
                select(r.c.realm_id, func.max(r.c.finished_ms))
                .where(r.c.outcome == "ok")
                .group_by(r.c.realm_id)
            ).all()
        )
    counts: dict[tuple[str, str], int] = {}
    async with fleet.app.open_async():
        jobs = await fleet.app.job_manager.list_jobs_async()
        connector = fleet.app.connector
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
            datetime.fromtimestamp(good[realm.realm_id] / 1000, UTC)
            if good.get(realm.realm_id)
            else None,
            counts.get((realm.realm_id, "todo"), 0),
            counts.get((realm.realm_id, "doing"), 0),
            counts.get((realm.realm_id, "failed"), 0),
        )
        for realm in realms
    ]
    return FleetOverview(overview, int(alive_row["n"]))
