"""Fixtures of the reliability suite: shared-database emulator pairs and a summary of figures.

``local_api`` (a fresh realm on the session's SQLite and PostgreSQL emulators, in-process)
comes from :mod:`tests.emulators`. ``twins`` opens two emulators on one database (a SQLite
file, or a PostgreSQL schema of their own) and serves each on a loopback socket: requests
spread over both race through the database's own locking (``BEGIN IMMEDIATE``, the
advisory lock), as two ``qbo emulator serve`` processes sharing a database would.

``figures`` (from :mod:`tests.figures`, registered by the root conftest) collects each
test's counts (requests tried, 5xx seen, race outcomes...) and prints them as one line per
test in the terminal summary, so the numbers in ``benchmarks/RESULTS.md`` come from a real
run.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.schema import jsoncodec
from qbo.testing import ServerThread
from tests.conftest import PG_URL, Api, drop_schema
from tests.emulators import local_api

__all__ = ["local_api"]


@dataclass
class Twins:
    """Two emulators on one database, each on its own loopback socket, and one realm."""

    emulators: list[Emulator]
    urls: list[str]
    realm: str = ""
    clients: list[httpx.AsyncClient] = field(default_factory=list)

    def api(self, n: int) -> Api:
        """An ``Api`` of the realm through emulator ``n % 2`` (over its socket)."""
        return Api(self.clients[n % 2], self.emulators[n % 2], self.realm)

    async def post(self, n: int, rest: str, body: Any, **params: str) -> httpx.Response:
        return await self.api(n).post(rest, body, **params)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def twin_emulators(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[list[Emulator], list[str]]]:
    """Two emulators sharing a SQLite file or a PostgreSQL schema, both served."""
    schema: str | None = None
    if request.param == "sqlite":
        db = str(tmp_path_factory.mktemp("twins") / "shared.db")
    else:
        schema = f"{request.getfixturevalue('pg_schema')}_t{secrets.token_hex(3)}"
        db = PG_URL
    with ExitStack() as stack:
        emulators = []
        for _ in range(2):
            emu = Emulator.open(EmulatorConfig(db=db, db_schema=schema, seed="empty"))
            stack.callback(emu.close)
            emulators.append(emu)
        urls = [stack.enter_context(ServerThread(create_app(emu))) for emu in emulators]
        yield emulators, urls
    if schema is not None:
        drop_schema(schema)


@pytest.fixture
async def twins(twin_emulators: tuple[list[Emulator], list[str]]) -> AsyncIterator[Twins]:
    """A fresh realm made through the first emulator, reachable through both."""
    emulators, urls = twin_emulators
    pair = Twins(emulators, urls, emulators[0].realms.create("empty").realm_id)
    limits = httpx.Limits(max_connections=100)
    for url in urls:
        pair.clients.append(httpx.AsyncClient(base_url=url, timeout=60, limits=limits))
    yield pair
    for client in pair.clients:
        await client.aclose()


def decoded(response: httpx.Response) -> Any:
    """A response's JSON, after the checks every answer of this suite must pass."""
    assert response.status_code < 500, (response.status_code, response.text[:500])
    assert "Traceback" not in response.text, response.text[:500]
    return jsoncodec.loads(response.text)
