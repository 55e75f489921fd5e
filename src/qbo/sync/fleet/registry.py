"""The realms a fleet keeps current, their health, and the log of job runs.

A realm is ``active`` (swept), ``backoff`` (it failed; not before ``next_attempt``) or
``parked`` (its connection was refused: it waits for ``qbo sync connect`` again, with the
reason shown in ``qbo sync status``). Every job run is a row of ``qbo_fleet_runs``: which
worker worked on which realm, from when to when, and how it ended.
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from qbo.sync import tables as t

ACTIVE = "active"
BACKOFF = "backoff"
PARKED = "parked"

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"


def now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class FleetRealm:
    realm_id: str
    environment: str
    state: str
    failures: int
    next_attempt: datetime | None
    reason: str | None

    def due(self, at: datetime) -> bool:
        if self.state == PARKED:
            return False
        return self.next_attempt is None or self.next_attempt <= at


def add(conn: Connection, realm_id: str, environment: str) -> None:
    """A realm joins (or re-joins: a parked one becomes active again)."""
    r = t.fleet_realms
    stamp = _iso(now())
    known = conn.execute(select(r.c.realm_id).where(r.c.realm_id == realm_id)).first()
    values = {"environment": environment, "state": ACTIVE, "failures": 0, "next_attempt": None}
    if known is None:
        conn.execute(
            insert(r).values(realm_id=realm_id, added=stamp, updated=stamp, reason=None, **values)
        )
    else:
        conn.execute(
            update(r).where(r.c.realm_id == realm_id).values(updated=stamp, reason=None, **values)
        )


def _row(row: Any) -> FleetRealm:
    return FleetRealm(
        str(row.realm_id),
        str(row.environment),
        str(row.state),
        int(row.failures),
        datetime.fromisoformat(row.next_attempt) if row.next_attempt else None,
        row.reason,
    )


def all_realms(conn: Connection) -> list[FleetRealm]:
    r = t.fleet_realms
    rows = conn.execute(
        select(
            r.c.realm_id, r.c.environment, r.c.state, r.c.failures, r.c.next_attempt, r.c.reason
        ).order_by(r.c.realm_id)
    ).all()
    return [_row(row) for row in rows]


def get(conn: Connection, realm_id: str) -> FleetRealm | None:
    return next((x for x in all_realms(conn) if x.realm_id == realm_id), None)


def succeeded(conn: Connection, realm_id: str) -> None:
    r = t.fleet_realms
    conn.execute(
        update(r)
        .where(r.c.realm_id == realm_id, r.c.state != PARKED)
        .values(state=ACTIVE, failures=0, next_attempt=None, reason=None, updated=_iso(now()))
    )


def failed(conn: Connection, realm_id: str, reason: str, base: float, cap: float) -> float:
    """Back off: seconds until the realm's next attempt (doubling from ``base``)."""
    r = t.fleet_realms
    current = get(conn, realm_id)
    failures = (current.failures if current else 0) + 1
    delay = float(min(cap, base * 2 ** (failures - 1)))
    conn.execute(
        update(r)
        .where(r.c.realm_id == realm_id)
        .values(
            state=BACKOFF,
            failures=failures,
            next_attempt=_iso(now() + timedelta(seconds=delay)),
            reason=reason[:2000],
            updated=_iso(now()),
        )
    )
    return delay


def park(conn: Connection, realm_id: str, reason: str) -> None:
    r = t.fleet_realms
    conn.execute(
        update(r)
        .where(r.c.realm_id == realm_id)
        .values(state=PARKED, reason=reason[:2000], next_attempt=None, updated=_iso(now()))
    )


def run_started(conn: Connection, job_id: int | None, task: str, realm_id: str) -> int:
    result = conn.execute(
        insert(t.fleet_runs).values(
            job_id=job_id,
            task=task,
            realm_id=realm_id,
            worker=WORKER_NAME,
            started_ms=int(time.time() * 1000),
        )
    )
    key = result.inserted_primary_key
    assert key is not None
    return int(key[0])


def run_finished(
    conn: Connection,
    run_id: int,
    outcome: str,
    *,
    changes: int = 0,
    requests: int = 0,
    error: str | None = None,
) -> None:
    conn.execute(
        update(t.fleet_runs)
        .where(t.fleet_runs.c.id == run_id)
        .values(
            finished_ms=int(time.time() * 1000),
            outcome=outcome,
            changes=changes,
            requests=requests,
            error=error[:2000] if error else None,
        )
    )


def last_good(conn: Connection) -> dict[str, datetime]:
    """When each realm's last successful job ended (realms with none are left out)."""
    r = t.fleet_runs
    rows = conn.execute(
        select(r.c.realm_id, func.max(r.c.finished_ms))
        .where(r.c.outcome == "ok")
        .group_by(r.c.realm_id)
    ).all()
    return {str(realm): datetime.fromtimestamp(ms / 1000, UTC) for realm, ms in rows if ms}
