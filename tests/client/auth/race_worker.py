"""One process of the token race (``test_race.py``), started with multiprocessing's spawn.

For each race it opens its own handle on the shared store, builds its own RefreshingAuth,
says it is ready, waits for the start signal, then sends requests from async tasks and
threads at once, and reports every status and how many refreshes it made itself.
"""

from __future__ import annotations

import asyncio
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from qbo.client.auth import (
    ClientCredentials,
    EncryptedFileTokenStore,
    OAuthClient,
    RefreshingAuth,
    TokenStore,
)
from qbo.client.environment import emulator as emulator_environment

#: One TLS context for every client of the race (loading CA certificates takes ~0.1 s).
TLS = httpx.create_ssl_context()


def open_store(spec: dict[str, Any]) -> TokenStore:
    """A store from a picklable description (each process opens its own handle)."""
    if spec["kind"] == "file":
        return EncryptedFileTokenStore(spec["path"], key=spec["key"])
    from qbo.client.auth import SQLTokenStore  # SQLAlchemy only where needed

    return SQLTokenStore(
        spec["url"], client_id=spec["client_id"], schema=spec.get("schema"), key=spec.get("key")
    )


def make_auth(spec: dict[str, Any], job: dict[str, Any]) -> RefreshingAuth:
    offset = timedelta(seconds=job["clock_offset"])

    def clock() -> datetime:  # the emulator's clock, as seen from this process
        return datetime.now(UTC) + offset

    credentials = ClientCredentials(job["client_id"], job["client_secret"])
    oauth = OAuthClient(emulator_environment(job["base_url"]), credentials, clock=clock)
    return RefreshingAuth(oauth, open_store(spec), clock=clock)


async def hammer(auth: RefreshingAuth, url: str, tasks: int, threads: int) -> list[int]:
    """``tasks`` async requests and ``threads`` blocking ones, all at once."""
    statuses: list[int] = []
    lock = threading.Lock()

    def blocking() -> None:
        with httpx.Client(auth=auth, timeout=60, verify=TLS) as http:
            status = http.get(url).status_code
        with lock:
            statuses.append(status)

    workers = [threading.Thread(target=blocking) for _ in range(threads)]
    async with httpx.AsyncClient(auth=auth, timeout=60, verify=TLS) as http:
        for worker in workers:
            worker.start()
        responses = await asyncio.gather(*(http.get(url) for _ in range(tasks)))
        for w in workers:
            await asyncio.to_thread(w.join)
    return [r.status_code for r in responses] + statuses


def serve(inbox: Any, outbox: Any) -> None:
    """Run races until told to stop (None): spawning once serves every race of a session.

    Each race: ``(spec, job)`` arrives; the process builds its auth and answers "ready";
    "go" arrives; it races and answers with its statuses and refresh count (or an error).
    """
    while (message := inbox.get()) is not None:
        spec, job = message
        try:
            auth = make_auth(spec, job)
        except BaseException as exc:
            outbox.put(("ready", os.getpid(), f"{type(exc).__name__}: {exc}"))
            inbox.get()
            outbox.put(("done", os.getpid(), [], 0, "setup failed"))
            continue
        outbox.put(("ready", os.getpid(), None))
        inbox.get()  # "go"
        try:
            statuses = asyncio.run(hammer(auth, job["url"], job["tasks"], job["threads"]))
            outbox.put(("done", os.getpid(), statuses, auth.refresh_count, None))
        except BaseException as exc:
            outbox.put(("done", os.getpid(), [], 0, f"{type(exc).__name__}: {exc}"))
