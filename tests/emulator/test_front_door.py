"""The request path's shortcuts: per-realm write locks, short reads on the event loop,
statements built once, reads by id answered from the stored text."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.http.inputs import ApiRequest
from qbo.emulator.http.routes import INLINE_ROWS, route_for, runs_inline
from qbo.emulator.store.engine import KEPT_READERS, STATEMENTS_KEPT
from qbo.schema import jsoncodec
from tests.conftest import PG_URL


def _request(method: str, path: str, body: bytes = b"", **params: str) -> ApiRequest:
    return ApiRequest(method, path.split("/"), params, body)


@pytest.mark.parametrize(
    ("method", "path", "params", "body", "inline"),
    [
        ("GET", "customer/1", {}, b"", True),
        ("GET", "preferences", {}, b"", True),
        ("GET", "query", {"query": "select * from Customer"}, b"", True),
        ("GET", "query", {"query": f"select * from Customer maxresults {INLINE_ROWS}"}, b"", True),
        ("GET", "query", {"query": "select * from Customer MAXRESULTS 1000"}, b"", False),
        ("POST", "query", {}, b"select * from Invoice maxresults 500", False),
        ("POST", "query", {}, b"select * from Invoice", True),
        ("POST", "query", {}, b"\xff\xfe not text", True),  # the query's own fault says why
        ("GET", "reports/ProfitAndLoss", {}, b"", False),
        ("GET", "invoice/1/pdf", {}, b"", False),
        ("GET", "cdc", {"entities": "Customer"}, b"", False),
        ("POST", "customer", {}, b"{}", False),
        ("POST", "batch", {}, b"{}", False),
    ],
)
def test_only_short_reads_run_on_the_event_loop(
    method: str, path: str, params: dict[str, str], body: bytes, inline: bool
) -> None:
    req = _request(method, path, body, **params)
    route, _ = route_for(req)
    assert runs_inline(route, req) is inline


def _db(tmp_path: Path, backend: str, pg_schema: str | None) -> EmulatorConfig:
    if backend == "sqlite":
        return EmulatorConfig(db=str(tmp_path / "e.db"), seed="empty")
    return EmulatorConfig(db=PG_URL, seed="empty", db_schema=pg_schema)


@pytest.fixture(params=["sqlite", "postgres"])
def file_emulator(request: pytest.FixtureRequest, tmp_path: Path) -> Emulator:
    schema = request.getfixturevalue("pg_schema") if request.param == "postgres" else None
    emu = Emulator.open(_db(tmp_path, request.param, schema))
    request.addfinalizer(emu.close)
    return emu


def test_postgres_writes_to_different_realms_do_not_wait_for_each_other(pg_schema: str) -> None:
    emu = Emulator.open(EmulatorConfig(db=PG_URL, seed="empty", db_schema=pg_schema))
    try:
        a, b = emu.realms.create().realm_id, emu.realms.create().realm_id
        store = emu.store
        holding = threading.Event()
        release = threading.Event()
        other_realm_done = threading.Event()
        same_realm_done = threading.Event()

        def hold_a() -> None:
            with store.write(a):
                holding.set()
                release.wait(30)

        def write(realm: str, done: threading.Event) -> None:
            with store.write(realm):
                done.set()

        holder = threading.Thread(target=hold_a)
        holder.start()
        assert holding.wait(30)
        other = threading.Thread(target=write, args=(b, other_realm_done))
        same = threading.Thread(target=write, args=(a, same_realm_done))
        other.start()
        same.start()
        # Realm b's write finishes while a's lock is held; a's second write waits for it.
        assert other_realm_done.wait(30)
        assert not same_realm_done.is_set()
        release.set()
        assert same_realm_done.wait(30)
        for thread in (holder, other, same):
            thread.join(30)
    finally:
        emu.close()


def test_sqlite_writes_share_one_lock(tmp_path: Path) -> None:
    """SQLite has one writer: every realm's writes take the same lock (no busy waiting)."""
    emu = Emulator.open(EmulatorConfig(db=str(tmp_path / "e.db"), seed="empty"))
    try:
        assert emu.store._lock_for("1") is emu.store._lock_for("2") is emu.store._lock_for(None)
    finally:
        emu.close()


def test_statements_are_built_once_and_the_oldest_forgotten(tmp_path: Path) -> None:
    emu = Emulator.open(EmulatorConfig(db=str(tmp_path / "e.db"), seed="empty"))
    try:
        built: list[int] = []

        def build(n: int) -> object:
            built.append(n)
            return object()

        first = emu.store.statement(("k", 0), lambda: build(0))
        assert emu.store.statement(("k", 0), lambda: build(0)) is first
        assert built == [0]
        for n in range(1, STATEMENTS_KEPT + 1):
            emu.store.statement(("k", n), lambda n=n: build(n))  # type: ignore[misc]
        emu.store.statement(("k", 0), lambda: build(0))  # forgotten: built again
        assert built.count(0) == 2
    finally:
        emu.close()


@pytest.mark.anyio
async def test_reads_by_id_and_queries_answer_as_before(file_emulator: Emulator) -> None:
    """The stored text sent as is reads the same as the parsed document, on both
    databases, and a repeated query (its statement kept) still sees new rows."""
    realm = file_emulator.realms.create(seed="demo").realm_id
    transport = httpx.ASGITransport(app=create_app(file_emulator))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
        base = f"/v3/company/{realm}"
        read = await http.get(f"{base}/customer/1")
        assert read.status_code == 200
        with file_emulator.realms.session(file_emulator.realms.get(realm), write=False) as s:  # type: ignore[arg-type]
            stored = s.get("Customer", "1")
        assert jsoncodec.loads(read.text)["Customer"] == stored
        assert read.text.startswith('{"Customer":' + jsoncodec.dumps(stored) + ',"time":')
        # A built-in (shared by every realm) and a missing id keep their answers.
        assert (await http.get(f"{base}/taxcode/TAX")).status_code == 200
        missing = await http.get(f"{base}/customer/99999")
        assert missing.status_code == 400
        assert jsoncodec.loads(missing.text)["Fault"]["Error"][0]["code"] == "610"

        query = {"query": "select * from Customer where DisplayName = 'Front Door'"}
        assert (
            "Customer"
            not in (await http.get(f"{base}/query", params=query)).json()["QueryResponse"]
        )
        created = await http.post(
            f"{base}/customer",
            content=b'{"DisplayName": "Front Door"}',
            headers={"Content-Type": "application/json"},
        )
        assert created.status_code == 200, created.text
        found = (await http.get(f"{base}/query", params=query)).json()["QueryResponse"]
        assert [c["DisplayName"] for c in found["Customer"]] == ["Front Door"]
        # The same query in another realm is its own statement: it sees that realm only.
        other = file_emulator.realms.create(seed="empty").realm_id
        elsewhere = await http.get(f"/v3/company/{other}/query", params=query)
        assert "Customer" not in elsewhere.json()["QueryResponse"]


def test_sqlite_readers_keep_a_few_connections_and_nested_reads_still_work(
    tmp_path: Path,
) -> None:
    emu = Emulator.open(EmulatorConfig(db=str(tmp_path / "e.db"), seed="empty"))
    store = emu.store
    try:
        with store.read() as outer, store.read() as inner:
            assert outer is not inner  # a read inside a read gets a connection of its own
            assert outer.exec_driver_sql("SELECT 1").scalar() == 1
            assert inner.exec_driver_sql("SELECT 1").scalar() == 1
        threads = 3 * KEPT_READERS
        together = threading.Barrier(threads, timeout=30)
        answers: list[int] = []

        def read() -> None:
            with store.read() as conn:
                together.wait()  # every thread holds a read at once
                answers.append(conn.exec_driver_sql("SELECT 1").scalar_one())

        workers = [threading.Thread(target=read) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(30)
        assert answers == [1] * threads
        assert len(store._kept) == KEPT_READERS  # the rest went through the pool
    finally:
        emu.close()
    assert store._kept == []
