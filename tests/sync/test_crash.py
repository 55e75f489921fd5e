"""Crashes: a sync process killed with SIGKILL at random points, twenty times, then run to
the end, leaves the mirror equal to QBO with every change in the feed exactly once.

The sync process is a real subprocess (forked per run from a parent that imported qbo,
the database driver and the HTTP stack once, so twenty runs on each database stay
quick); the emulator and the mirror's webhook inbox are served on loopback sockets by
this test.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import httpx
import pytest

from qbo.client import AsyncClient
from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.webhooks import webhooks_for
from qbo.sync import Mirror, WebhookInbox
from qbo.testing import ServerThread
from tests.client.helpers import seed_customers
from tests.delivery.conftest import connect, free_port
from tests.sync.conftest import BASE, Env
from tests.sync.crash_worker import ENTITIES
from tests.sync.world import World

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
#: SIGKILLed runs, on each backend.
RUNS = 20
DERIVED = {"Customer", "Vendor", "Item", "Account"}  # re-read at the same version


@pytest.fixture
def crash_emulator() -> Iterator[Emulator]:
    emulator = Emulator.open(
        EmulatorConfig(db=":memory:", seed="empty", webhook_window=60.0, webhook_timeout=5.0)
    )
    yield emulator
    webhooks_for(emulator).stop()
    emulator.close()


class Worker:
    """The parent process; each :meth:`run` forks one sync pass and may kill it."""

    def __init__(self, base_url: str, realm: str, mirror_url: str, schema: str | None) -> None:
        args = [base_url, realm, mirror_url, *([schema] if schema else [])]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.sync.crash_worker", *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ROOT,
        )

    def _line(self) -> str:
        out: IO[str] | None = self.proc.stdout
        assert out is not None
        line = out.readline()
        assert line, "the worker died"
        return line.strip()

    def run(self, kill_after: int | None, rng: random.Random) -> tuple[list[str], int]:
        """One pass; SIGKILL after ``kill_after`` lines (None: let it finish)."""
        assert self.proc.stdin is not None
        self.proc.stdin.write("run\n")
        self.proc.stdin.flush()
        first = self._line()
        assert first.startswith("child "), first
        pid = int(first.split()[1])
        lines: list[str] = []
        while not (line := self._line()).startswith("exited"):
            lines.append(line)
            if kill_after is not None and len(lines) == kill_after:
                if rng.random() < 0.5:
                    os.sched_yield()  # let it get a little further, sometimes
                os.kill(pid, signal.SIGKILL)
        return lines, int(line.split()[1])

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


async def test_killed_sync_processes_converge(crash_emulator: Emulator, mirror: Mirror) -> None:
    emulator = crash_emulator
    realm = emulator.realms.create("empty").realm_id
    # 600 customers imported at one instant, ten minutes ago (before any sync started)
    emulator.clock.set(datetime.now(UTC) - timedelta(minutes=10))
    seed_customers(emulator, realm, 600, prefix="Crash")
    emulator.clock.set(datetime.now(UTC))
    url = str(mirror.engine.url.render_as_string(hide_password=False))
    schema = mirror.schema
    rng = random.Random(20261203)
    app_transport = httpx.ASGITransport(app=create_app(emulator), client=("127.0.0.1", 5555))
    async with (
        httpx.AsyncClient(transport=app_transport, base_url=BASE) as control,
        AsyncClient(
            realm,
            environment=BASE,
            transport=httpx.ASGITransport(app=create_app(emulator)),
            access_token="emulator",
            pacing=None,
        ) as qb,
    ):
        port = free_port()
        app = await connect(control, realm, f"http://127.0.0.1:{port}/", "legacy")
        world = World(qb, control)
        phases: Counter[str] = Counter()
        with (
            ServerThread(create_app(emulator)) as base_url,
            ServerThread(WebhookInbox(mirror, app.verifier_token), port=port),
        ):
            worker = Worker(base_url, realm, url, schema)
            try:
                for run in range(RUNS):
                    for _ in range(rng.randint(1, 3)):
                        entity = rng.choice(["Invoice", "Bill", "Customer"])
                        made = await world.create(entity)
                        if rng.random() < 0.5:
                            await world.sparse_update(entity, made)
                        if entity != "Customer" and rng.random() < 0.3:
                            await world.remove(entity, made)
                    await webhooks_for(emulator).run_once(force=True)
                    lines, status = worker.run(1 if run == 0 else rng.randint(1, 8), rng)
                    if status == signal.SIGKILL and lines:
                        phases[lines[-1].split()[0]] += 1
                for _ in range(2):  # to the end, twice: the second finds nothing to do
                    lines, status = worker.run(None, rng)
                    assert status == 0 and lines[-1] == "finished", lines
            finally:
                worker.close()
        assert phases["progress"] >= 1 and sum(phases.values()) >= RUNS // 2, phases
        env = Env(emulator, None, realm, qb, control, mirror, world)
        await env.assert_converged(ENTITIES)
        changes = env.changes()
        created = Counter((e, i) for e, i, k, _ in changes if k == "created")
        assert max(created.values()) == 1
        deleted = Counter((e, i) for e, i, k, _ in changes if k == "deleted")
        assert not deleted or max(deleted.values()) == 1
        versions = Counter(
            (e, i, token) for e, i, k, token in changes if k == "updated" and e not in DERIVED
        )
        assert not versions or max(versions.values()) == 1
