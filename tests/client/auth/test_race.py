"""The token race: processes, tasks and threads sharing one store and one expired token.

Four spawned processes (each with async tasks and threads) and this process (50 async
tasks and threads) start together on a token whose access token the emulator considers
expired, 25 hours after it was issued (so the refresh rotates the refresh token). Exactly
one refresh may reach the token endpoint, every request must succeed, and the store must
end up with the newest refresh token.

Two ways in: ``401`` (the store claims the token is fresh for another 50 minutes, so every
worker sends it and is refused: the refresh-on-401 path) and ``due`` (the shared clock says
it expired: the refresh-before-request path).
"""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from qbo.client.auth import generate_key
from tests.client.auth import race_worker
from tests.client.auth.conftest import Emu

PROCESSES = 4
TASKS_PER_PROCESS = 10
THREADS_PER_PROCESS = 2
MAIN_TASKS = 50
MAIN_THREADS = 4
HOUR = 3600

pytestmark = pytest.mark.slow


@dataclass
class Pool:
    """Worker processes, spawned once for every race of this module."""

    inboxes: list[Any]
    outbox: Any

    def race(
        self, spec: dict[str, Any], job: dict[str, Any], start: Callable[[], None]
    ) -> list[Any]:
        """Run one race in every worker; ``start`` runs (in this process) at the signal."""
        for inbox in self.inboxes:
            inbox.put((spec, job))
        ready = [self.outbox.get(timeout=120) for _ in self.inboxes]
        assert [r[2] for r in ready] == [None] * len(ready), ready
        for inbox in self.inboxes:
            inbox.put("go")
        start()
        return [self.outbox.get(timeout=120) for _ in self.inboxes]


@pytest.fixture(scope="module")
def pool() -> Iterator[Pool]:
    ctx = multiprocessing.get_context("spawn")
    inboxes = [ctx.Queue() for _ in range(PROCESSES)]
    outbox = ctx.Queue()
    processes = [
        ctx.Process(target=race_worker.serve, args=(inbox, outbox), daemon=True)
        for inbox in inboxes
    ]
    for process in processes:
        process.start()
    yield Pool(inboxes, outbox)
    for inbox in inboxes:
        inbox.put(None)
    for process in processes:
        process.join(30)
        if process.is_alive():
            process.terminate()


@pytest.fixture(
    params=[("file", "401"), ("file", "due"), ("sqlite", "401"), ("postgres", "401")],
    ids=lambda p: "-".join(p),
)
def case(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[dict[str, Any], str]:
    """(the store's description, without client_id yet; the mode)."""
    kind, mode = request.param
    key = generate_key()
    if kind == "file":
        return {"kind": "file", "path": str(tmp_path / "tokens.bin"), "key": key}, mode
    if kind == "sqlite":
        return {"kind": "sql", "url": f"sqlite:///{tmp_path / 'tokens.db'}", "key": key}, mode
    url, schema = request.getfixturevalue("pg_schema_name")
    return {"kind": "sql", "url": url, "schema": schema, "key": key}, mode


def test_one_refresh_across_processes_tasks_and_threads(
    oauth_emu: Emu, pool: Pool, case: tuple[dict[str, Any], str]
) -> None:
    spec, mode = case
    app = oauth_emu.new_app()
    spec["client_id"] = app["client_id"]
    realm = oauth_emu.new_realm()
    first = oauth_emu.connect(oauth_emu.oauth(app), realm)
    race_worker.open_store(spec).save(first)  # also creates the SQL table, before the race

    oauth_emu.advance(25 * HOUR)
    if mode == "401":
        claimed = replace(first, expires_at=oauth_emu.now() + timedelta(minutes=50))
        race_worker.open_store(spec).save(claimed)
    job = {
        "base_url": oauth_emu.url,
        "client_id": app["client_id"],
        "client_secret": app["client_secret"],
        "clock_offset": (oauth_emu.now() - datetime.now(UTC)).total_seconds(),
        "url": oauth_emu.company_url(realm),
        "tasks": TASKS_PER_PROCESS,
        "threads": THREADS_PER_PROCESS,
    }
    auth = race_worker.make_auth(spec, job)
    oauth_emu.reset_stats()
    mine: list[int] = []

    def start() -> None:
        mine.extend(asyncio.run(race_worker.hammer(auth, job["url"], MAIN_TASKS, MAIN_THREADS)))

    theirs = pool.race(spec, job, start)

    assert [error for *_, error in theirs] == [None] * PROCESSES
    assert mine == [200] * (MAIN_TASKS + MAIN_THREADS)
    for _, _, statuses, _, _ in theirs:
        assert statuses == [200] * (TASKS_PER_PROCESS + THREADS_PER_PROCESS)
    stats = oauth_emu.stats()
    assert stats["token"] == 1 and stats["token_by_grant_type"] == {"refresh_token": 1}
    assert auth.refresh_count + sum(count for _, _, _, count, _ in theirs) == 1
    assert stats["api_total"] >= MAIN_TASKS + MAIN_THREADS + PROCESSES * (
        TASKS_PER_PROCESS + THREADS_PER_PROCESS
    )

    stored = race_worker.open_store(spec).load(realm)
    assert stored is not None
    assert stored.refresh_token != first.refresh_token
    assert stored.refresh_token == oauth_emu.successor(first.refresh_token)  # the newest value
    assert stored.access_token != first.access_token
