"""The emulator's front door: reads against a bare Starlette ceiling, writes per realm.

Everything is measured side by side in one run, each server in its own process on a
loopback port with the same uvicorn settings, driven by one load generator (keep-alive
HTTP/1.1 connections, ``N`` requests in flight) in this process:

    reads   GET /v3/company/{r}/customer/{id}      the emulator (SQLite file, demo company)
            GET /v3/company/{r}/query?query=...    an indexed query (DisplayName = '...')
            the same bytes from a bare Starlette endpoint: the framework's ceiling
            target: the emulator >= 0.5 x the ceiling at 10 and 50 in flight
    writes  POST /v3/company/{r}/customer          creates, on PostgreSQL and SQLite files
            10 realms at 10 in flight vs 1 in flight (PostgreSQL): target >= 3x
            one realm, PostgreSQL vs SQLite: target PostgreSQL no slower than SQLite was

Not a test: it asserts nothing and exits 0. ``--fast`` adds a row with uvloop and
httptools (the ``fast`` extra) when they are installed.

    make bench-emulator
    .venv/bin/python benchmarks/emulator.py --only reads --before ../other-checkout/src

``--before`` serves another checkout's emulator beside this one (its ``src`` folder on
``PYTHONPATH``), so a change's reads are compared with the code before it in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

PG_URL = os.environ.get(
    "QBO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
READ_SECONDS = 3.0
WRITE_SECONDS = 4.0


# -- the servers (each runs in a process of its own: `--serve ...`) -------------------------


def serve(
    kind: str, port: int, db: str, schema: str | None, body_file: str | None, fast: bool
) -> None:
    """Serve the emulator or the bare ceiling until killed."""
    import uvicorn

    if kind == "bare":
        from starlette.applications import Starlette
        from starlette.requests import Request
        from starlette.responses import Response
        from starlette.routing import Route

        body = Path(body_file or "").read_bytes()

        async def same_bytes(request: Request) -> Response:
            return Response(body, media_type="application/json")

        app: object = Starlette(routes=[Route("/{path:path}", same_bytes, methods=["GET"])])
    else:
        from qbo.emulator import Emulator, EmulatorConfig, create_app

        emulator = Emulator.open(EmulatorConfig(db=db, db_schema=schema, seed="demo"))
        app = create_app(emulator)
    uvicorn.run(
        app,  # type: ignore[arg-type]
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
        loop="uvloop" if fast else "asyncio",
        http="httptools" if fast else "h11",
    )


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def started(
    kind: str,
    db: str = ":memory:",
    schema: str | None = None,
    body_file: str | None = None,
    fast: bool = False,
    source: str | None = None,
) -> Iterator[Server]:
    """A server in a process of its own; ``source``: a ``src`` folder of another checkout
    of qbo to serve instead of this one (to compare code side by side)."""
    port = free_port()
    args = [sys.executable, __file__, "--serve", kind, "--port", str(port), "--db", db]
    if schema:
        args += ["--schema", schema]
    if body_file:
        args += ["--body-file", body_file]
    if fast:
        args.append("--fast")
    env = {**os.environ, "PYTHONPATH": source} if source else None
    process = subprocess.Popen(args, env=env)
    server = Server(process, port)
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the {kind} server did not start")
            time.sleep(0.05)
        yield server
    finally:
        process.terminate()
        process.wait(10)


# -- the load generator -------------------------------------------------------------------


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    length = 0
    for line in head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return status, await reader.readexactly(length)


def http_request(method: str, path: str, body: bytes = b"") -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer bench\r\n"
        f"Accept: application/json\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


async def _load(
    port: int, in_flight: int, seconds: float, make: Callable[[int, int], bytes]
) -> tuple[float, int]:
    """Requests per second over ``seconds`` with ``in_flight`` connections, and errors."""
    done = 0
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def connection(slot: int) -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        sent = 0
        while time.perf_counter() < stop_at:
            status, _ = await _exchange(reader, writer, make(slot, sent))
            sent += 1
            done += 1
            errors += status >= 400
        writer.close()

    started_at = time.perf_counter()
    await asyncio.gather(*(connection(i) for i in range(in_flight)))
    return done / (time.perf_counter() - started_at), errors


def load(
    port: int, in_flight: int, seconds: float, make: Callable[[int, int], bytes]
) -> tuple[float, int]:
    return asyncio.run(_load(port, in_flight, seconds, make))


def fetch(port: int, request: bytes) -> bytes:
    async def once() -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        status, body = await _exchange(reader, writer, request)
        writer.close()
        if status >= 400:
            raise RuntimeError(f"{status}: {body[:300]!r}")
        return body

    return asyncio.run(once())


# -- the measurements ---------------------------------------------------------------------


def read_paths(port: int) -> dict[str, str]:
    realms = json.loads(fetch(port, http_request("GET", "/_emulator/realms")))
    realm = realms["realms"][0]["realmId"] if isinstance(realms, dict) else realms[0]["realmId"]
    found = json.loads(
        fetch(
            port,
            http_request(
                "GET",
                f"/v3/company/{realm}/query?query=" + quote("select * from Customer maxresults 1"),
            ),
        )
    )
    customer = found["QueryResponse"]["Customer"][0]
    name = customer["DisplayName"].replace("'", "\\'")
    return {
        "read by id": f"/v3/company/{realm}/customer/{customer['Id']}",
        "indexed query": f"/v3/company/{realm}/query?query="
        + quote(f"select * from Customer where DisplayName = '{name}'"),
    }


def constant(request: bytes) -> Callable[[int, int], bytes]:
    """The same request from every connection, every time."""
    return lambda slot, n: request


def reads(fast: bool, before: str | None) -> list[tuple[str, int, float, float, float | None]]:
    rows = []
    folder = tempfile.mkdtemp()
    with contextlib.ExitStack() as stack:
        emulator = stack.enter_context(
            started("emulator", db=str(Path(folder) / "reads.db"), fast=fast)
        )
        older = None
        if before:
            db = str(Path(folder) / "before.db")
            older = stack.enter_context(started("emulator", db=db, fast=fast, source=before))
        paths = read_paths(emulator.port)
        for label, path in paths.items():
            request = http_request("GET", path)
            body = fetch(emulator.port, request)
            same = constant(request)
            with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
                handle.write(body)
            try:
                with started("bare", body_file=handle.name, fast=fast) as bare:
                    for in_flight in (10, 50):
                        load(bare.port, in_flight, 0.5, same)  # warm up
                        load(emulator.port, in_flight, 0.5, same)
                        ceiling, _ = load(bare.port, in_flight, READ_SECONDS, same)
                        ours, errors = load(emulator.port, in_flight, READ_SECONDS, same)
                        if errors:
                            print(f"  ! {errors} error answers in {label}")
                        then = None
                        if older is not None:  # the same path: both seeded the same demo
                            load(older.port, in_flight, 0.5, same)
                            then, _ = load(older.port, in_flight, READ_SECONDS, same)
                        rows.append((label, in_flight, ours, ceiling, then))
            finally:
                os.unlink(handle.name)
    shutil.rmtree(folder, ignore_errors=True)
    return rows


def _new_realms(port: int, count: int) -> list[str]:
    return [
        json.loads(fetch(port, http_request("POST", "/_emulator/realms", b'{"seed": "empty"}')))[
            "realmId"
        ]
        for _ in range(count)
    ]


def creates(port: int, realms: list[str], in_flight: int) -> float:
    def names(tag: str) -> Callable[[int, int], bytes]:
        def make(slot: int, n: int) -> bytes:
            realm = realms[slot % len(realms)]
            body = json.dumps({"DisplayName": f"Bench {tag} {slot}-{n}"}).encode()
            return http_request("POST", f"/v3/company/{realm}/customer", body)

        return make

    load(port, in_flight, 0.5, names(secrets.token_hex(4)))  # warm up
    rate, errors = load(port, in_flight, WRITE_SECONDS, names(secrets.token_hex(4)))
    if errors:
        print(f"  ! {errors} error answers creating at {in_flight} in flight")
    return rate


def _drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def writes(fast: bool) -> dict[str, float]:
    found: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory() as folder,
        started("emulator", db=str(Path(folder) / "bench.db"), fast=fast) as lite,
    ):
        one = _new_realms(lite.port, 1)
        found["sqlite 1 realm x1"] = creates(lite.port, one, 1)
        found["sqlite 1 realm x10"] = creates(lite.port, one, 10)
    schema = f"bench_{secrets.token_hex(4)}"
    try:
        with started("emulator", db=PG_URL, schema=schema, fast=fast) as pg:
            ten = _new_realms(pg.port, 10)
            found["postgres 1 realm x1"] = creates(pg.port, ten[:1], 1)
            found["postgres 1 realm x10"] = creates(pg.port, ten[:1], 10)
            found["postgres 10 realms x1"] = creates(pg.port, ten, 1)
            found["postgres 10 realms x10"] = creates(pg.port, ten, 10)
    finally:
        _drop_schema(schema)
    return found


def report(fast: bool, only: str | None, before: str | None = None) -> None:
    setting = "uvloop + httptools" if fast else "asyncio + h11"
    if only != "writes":
        print(f"\nreads: the emulator vs a bare Starlette endpoint, same bytes ({setting})")
        print(
            f"{'':16}{'in flight':>10}{'emulator/s':>12}{'ceiling/s':>12}{'ratio':>8}"
            + (f"{'before/s':>10}{'ratio':>8}" if before else "")
        )
        for label, in_flight, ours, ceiling, then in reads(fast, before):
            line = f"{label:16}{in_flight:>10}{ours:>12.0f}{ceiling:>12.0f}{ours / ceiling:>8.2f}"
            if then is not None:
                line += f"{then:>10.0f}{then / ceiling:>8.2f}"
            print(line)
    if only == "reads":
        return
    found = writes(fast)
    print(f"\nwrites: customer creates per second ({setting})")
    for label, rate in found.items():
        print(f"{label:24}{rate:>10.0f}/s")
    scale = found["postgres 10 realms x10"] / found["postgres 10 realms x1"]
    print(f"postgres, 10 realms: 10 in flight / 1 in flight = {scale:.2f} x   target >= 3")
    lite = found["sqlite 1 realm x10"]
    pg = found["postgres 1 realm x10"]
    print(f"one realm, 10 in flight: postgres / sqlite = {pg / lite:.2f} x   target >= 1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--serve")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--db", default=":memory:")
    parser.add_argument("--schema")
    parser.add_argument("--body-file")
    parser.add_argument("--fast", action="store_true")
    parser.add_argument("--only", choices=["reads", "writes"])
    parser.add_argument(
        "--before",
        metavar="SRC",
        help="the src folder of another checkout: its emulator's reads are measured too",
    )
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.port, args.db, args.schema, args.body_file, args.fast)
        return
    report(fast=False, only=args.only, before=args.before)
    if args.fast:
        try:
            import httptools  # noqa: F401
            import uvloop  # noqa: F401
        except ImportError:
            print("\n(uvloop and httptools are not installed: pip install 'qbo[fast]')")
            return
        report(fast=True, only=args.only, before=args.before)


if __name__ == "__main__":
    main()
