"""``kill -9`` of a served emulator in the middle of acknowledged writes, then a restart.

``qbo emulator serve`` runs as a real process on a SQLite file or a PostgreSQL schema.
Four writers create customers and update them (each with its own ``requestid``); after a
seeded, random number of acknowledged writes the process gets SIGKILL while other writes
are still in flight. The server is started again on the same database, and:

- every acknowledged write is there with exactly the content its answer showed (or, for
  an object whose next update was in flight, that update and nothing else);
- every write whose answer was lost, sent again with its ``requestid``, lands once: the
  replay of what committed, or a first run of what did not.

Five rounds per database, ten in all; each round is a few dozen writes.
"""

from __future__ import annotations

import asyncio
import random
import signal
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy

from qbo.testing import EmulatorProcess
from tests.conftest import PG_URL, drop_schema
from tests.reliability.conftest import decoded

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

ROUNDS = 5
WRITERS = 4
SERVE = ("--seed", "empty", "--auth", "none", "--throttle", "off")


@pytest.fixture(params=["sqlite", "postgres"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The ``--db`` of the served emulator: a SQLite file, or a PostgreSQL schema of its own."""
    if request.param == "sqlite":
        yield str(tmp_path / "books.db")
        return
    schema = f"{request.getfixturevalue('pg_schema')}_k"
    engine = sqlalchemy.create_engine(PG_URL)
    with engine.begin() as conn:  # ``serve`` has no schema option: search_path names it
        conn.execute(sqlalchemy.text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    drop_schema(schema)


@dataclass
class Write:
    """One write: where, what, and its requestid (the same on every attempt)."""

    name: str
    body: dict[str, Any]
    request_id: str
    params: dict[str, str] = field(default_factory=dict)


@dataclass
class Ledger:
    """What the clients know: acknowledged objects, and writes whose answer was lost."""

    acked: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> last answer
    lost: list[Write] = field(default_factory=list)
    count: int = 0


async def writer(
    http: httpx.AsyncClient, realm: str, who: int, rnd: int, ledger: Ledger, stop: asyncio.Event
) -> None:
    """Create a customer, update it twice, next customer; until the server dies."""
    path = f"/v3/company/{realm}/customer"
    n = 0
    while not stop.is_set():
        name = f"R{rnd} W{who} C{n}"
        writes = [Write(name, {"DisplayName": name}, f"{rnd}-{who}-{n}-c")]
        for step in range(2):
            writes.append(Write(name, {"Notes": f"note {step}"}, f"{rnd}-{who}-{n}-u{step}"))
        for write in writes:
            if write.body.get("Notes"):
                current = ledger.acked[name]
                write.body = {
                    "Id": current["Id"],
                    "SyncToken": current["SyncToken"],
                    "sparse": True,
                    **write.body,
                }
            try:
                response = await http.post(
                    path, json=write.body, params={"requestid": write.request_id}
                )
            except httpx.TransportError:
                ledger.lost.append(write)
                return
            ledger.acked[name] = decoded(response)["Customer"]
            ledger.count += 1
        n += 1


async def write_until_killed(emu: EmulatorProcess, rnd: int, kill_after: int) -> Ledger:
    """Run the writers; SIGKILL the server after ``kill_after`` acknowledged writes."""
    assert emu.proc is not None
    ledger = Ledger()
    stop = asyncio.Event()
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=30) as http:
        tasks = [
            asyncio.create_task(writer(http, emu.realms[0], who, rnd, ledger, stop))
            for who in range(WRITERS)
        ]
        deadline = asyncio.get_running_loop().time() + 60
        while ledger.count < kill_after:  # bounded: the writers always make progress
            assert asyncio.get_running_loop().time() < deadline, "writes stalled"
            await asyncio.sleep(0.001)
        emu.proc.send_signal(signal.SIGKILL)
        emu.proc.wait(10)
        stop.set()
        await asyncio.gather(*tasks)
    return ledger


async def verify(emu: EmulatorProcess, ledger: Ledger) -> None:
    """On the restarted server: every acknowledged write is there, each lost one lands once."""
    api = f"/v3/company/{emu.realms[0]}"
    async with httpx.AsyncClient(base_url=emu.base_url, timeout=30) as http:
        in_flight = {w.name: w for w in ledger.lost}
        for name, acked in ledger.acked.items():
            stored = decoded(await http.get(f"{api}/customer/{acked['Id']}"))["Customer"]
            if stored == acked:
                continue
            # the object's next update was in flight when the server died, and committed
            assert name in in_flight, ("an acknowledged write changed", acked, stored)
            write = in_flight[name]
            assert int(stored["SyncToken"]) == int(acked["SyncToken"]) + 1, (acked, stored)
            assert stored["Notes"] == write.body["Notes"], (acked, stored)
        for write in ledger.lost:  # answers lost to the kill: sent again with their requestid
            again = await http.post(
                f"{api}/customer", json=write.body, params={"requestid": write.request_id}
            )
            assert again.status_code == 200, again.text
        query = "select * from Customer maxresults 1000"
        found = decoded(await http.get(f"{api}/query", params={"query": query}))
        names = [c["DisplayName"] for c in found["QueryResponse"].get("Customer", [])]
    expected = set(ledger.acked) | {w.name for w in ledger.lost}
    prefix = next(iter(expected)).split()[0]  # this round's objects
    assert sorted(n for n in names if n.split()[0] == prefix) == sorted(expected)


async def test_acknowledged_writes_survive_kill_9(database: str, figures: dict[str, Any]) -> None:
    """Each restart verifies the previous round, then is killed in the next one."""
    rng = random.Random(9)
    totals = {"rounds": 0, "acknowledged": 0, "in_flight": 0}
    previous: Ledger | None = None
    for rnd in range(ROUNDS + 1):
        with EmulatorProcess("--db", database, *SERVE) as emu:
            if previous is not None:
                await verify(emu, previous)
            if rnd == ROUNDS:
                break
            previous = await write_until_killed(emu, rnd, kill_after=rng.randint(3, 30))
        totals["rounds"] += 1
        totals["acknowledged"] += previous.count
        totals["in_flight"] += len(previous.lost)
    figures.update(totals)
