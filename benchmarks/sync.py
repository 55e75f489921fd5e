"""The mirror's full extract and webhook latency, against python-quickbooks and iter().

One emulator runs as a subprocess (``qbo emulator serve``) on a SQLite file with the
``large:N`` seed (N/2 customers, N/2 one-line invoices), throttling on (Intuit's limits)
and the ``realistic`` latency profile. Measured side by side in one run:

    (1) the sync engine's initial load (``Syncer.run_once`` into a new SQLite mirror, what
        ``qbo sync run`` does) in a child process: wall time, HTTP requests, peak RSS
                         targets: <= 1/10 of (2)'s time; requests <= 1.2 x ceil(N / 30000)
                         + the number of entity types; peak memory < 300 MB
    (2) python-quickbooks paging each entity type at 1000 per page (``Entity.all``)
    (3) the client's own paging (``client.query("SELECT * FROM X")``, as ``iter()`` does)
    (4) webhook to mirror: a write on the emulator, the delivery to the mirror's inbox
        (``WebhookInbox``), the row in the mirror (``process_inbox``): p50 and p99 of
        write -> row and delivery -> row, against a read round trip measured in the same
        run                      target: delivery -> row p50 <= 3 read round trips

Not a test: it asserts nothing and exits 0. The realistic profile answers a ``/batch`` in
400-1000 ms whatever it holds; a real batch of 30 full query pages is slower than that
(QBO reads 30,000 rows), so (1)'s advantage here is an upper bound (see RESULTS.md).

    make bench-sync                     (installs the ``bench`` extra: python-quickbooks)
    .venv/bin/python benchmarks/sync.py [--n 20000] [--writes 30]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import json
import math
import os
import pkgutil
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from qbo.client import AsyncClient
from qbo.client.hooks import RequestEvent
from qbo.sync import Mirror, Syncer, WebhookInbox, mirrored_entities, process_inbox
from qbo.sync import tables as t
from qbo.testing import EmulatorProcess, ServerThread

TOKEN = "benchmark-token"  # --auth none accepts any bearer token
REDIRECT = "http://localhost/callback"


@contextlib.contextmanager
def emulator(tmp: Path, n: int) -> Iterator[tuple[str, str]]:
    args = ("--db", str(tmp / "sync-bench.db"), "--seed", f"large:{n}", "--auth", "none")
    options = ("--throttle", "on", "--latency", "realistic", "--webhook-window", "0.05")
    with (
        (tmp / "emulator.log").open("wb") as log,
        EmulatorProcess(*args, *options, stderr=log, startup_timeout=900) as served,
    ):
        yield served.base_url, served.realms[0]


def server_offset(url: str) -> timedelta:
    """How far the emulator's clock is from ours (a client's clock should be the server's)."""
    now = httpx.get(f"{url}/_emulator/clock", timeout=60).json()["now"]
    return datetime.fromisoformat(now) - datetime.now(UTC)


def age_the_company(url: str) -> None:
    """Move the emulator's clock an hour on: the seeded objects are an hour old when the
    sync starts, as a real company's are (not changes the load's CDC catch-up re-reads)."""
    httpx.post(f"{url}/_emulator/clock", json={"advance": 3600}, timeout=60).raise_for_status()


def child_sync(url: str, realm: str, mirror_url: str) -> None:
    """(1), in this (child) process: one initial load; prints its figures as JSON."""
    requests = 0

    def count(event: RequestEvent) -> None:
        nonlocal requests
        requests += 1

    offset = server_offset(url)

    async def go() -> int:
        with Mirror.open(mirror_url) as mirror:
            async with AsyncClient(
                realm,
                environment=url,
                access_token=TOKEN,
                on_request=count,
                clock=lambda: datetime.now(UTC) + offset,
            ) as qb:
                report = await Syncer(mirror, qb).run_once()
                return report.changes["created"]

    started = time.perf_counter()
    rows = asyncio.run(go())
    print(
        json.dumps({"seconds": time.perf_counter() - started, "requests": requests, "rows": rows})
    )


def sync_load(url: str, realm: str, tmp: Path) -> dict[str, Any]:
    mirror_url = f"sqlite:///{tmp / 'mirror.db'}"
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", url, realm, mirror_url],
        capture_output=True,
        text=True,
        check=True,
    )
    wall = time.perf_counter() - started
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # Linux: kilobytes
    return {**figures, "wall": wall, "peak_mb": peak_kb / 1024}


def python_quickbooks_classes() -> dict[str, Any]:
    """python-quickbooks' class for each entity it has, by QBO name."""
    import quickbooks.objects as objects

    found: dict[str, Any] = {}
    for module in pkgutil.iter_modules(objects.__path__):
        loaded = importlib.import_module(f"quickbooks.objects.{module.name}")
        for _, cls in inspect.getmembers(loaded, inspect.isclass):
            name = getattr(cls, "qbo_object_name", None)
            if name and hasattr(cls, "all") and name in mirrored_entities():
                found.setdefault(name, cls)
    return found


def python_quickbooks_paging(url: str, realm: str) -> dict[str, Any]:
    """(2): ``Entity.all(max_results=1000, start_position=...)`` until a short page."""
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"  # loopback http only
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks

    auth = AuthClient(
        "bench", "secret", REDIRECT, f"{url}/.well-known/openid_configuration", access_token=TOKEN
    )
    qb = QuickBooks(auth_client=auth, refresh_token="unused", company_id=realm, minorversion=75)
    qb.api_url_v3 = f"{url}/v3"
    requests = rows = 0
    started = time.perf_counter()
    classes = python_quickbooks_classes()
    failed: list[str] = []
    for name, cls in classes.items():
        position = 1
        while True:
            try:
                page = cls.all(max_results=1000, start_position=position, qb=qb)
            except Exception:  # a class whose all() QBO refuses: left out, and said so
                requests += 1
                failed.append(name)
                break
            requests += 1
            rows += len(page)
            if len(page) < 1000:
                break
            position += 1000
    return {
        "seconds": time.perf_counter() - started,
        "requests": requests,
        "rows": rows,
        "entities": len(classes),
        "failed": failed,
    }


async def client_paging(url: str, realm: str) -> dict[str, Any]:
    """(3): every entity through the client's paging (1000 rows per request, as iter())."""
    requests = rows = 0

    def count(event: RequestEvent) -> None:
        nonlocal requests
        requests += 1

    started = time.perf_counter()
    async with AsyncClient(realm, environment=url, access_token=TOKEN, on_request=count) as qb:
        for entity in mirrored_entities():
            rows += len(await qb.query(f"SELECT * FROM {entity}"))
    return {"seconds": time.perf_counter() - started, "requests": requests, "rows": rows}


async def connect(url: str, realm: str, webhook_url: str) -> str:
    """Register an app with the webhook endpoint and connect the company: its token."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        made = await http.post(
            "/_emulator/apps",
            json={
                "name": "sync benchmark",
                "redirect_uris": [REDIRECT],
                "auto_approve": True,
                "webhook_url": webhook_url,
            },
        )
        app = made.json()
        consent = await http.get(
            "/connect/oauth2",
            params={
                "client_id": app["client_id"],
                "response_type": "code",
                "scope": "com.intuit.quickbooks.accounting",
                "redirect_uri": REDIRECT,
                "state": "bench",
                "realm_id": realm,
            },
        )
        code = httpx.URL(consent.headers["location"]).params["code"]
        token = await http.post(
            "/oauth2/v1/tokens/bearer",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=(app["client_id"], app["client_secret"]),
        )
        token.raise_for_status()
        return str(app["verifier_token"])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1)]


async def webhook_latency(url: str, realm: str, tmp: Path, writes: int) -> dict[str, float]:
    """(4): sequential writes, each timed until its row is in the mirror."""
    mirror = Mirror.open(f"sqlite:///{tmp / 'mirror.db'}")  # (1)'s mirror, loaded
    delivered: list[float] = []
    wake = asyncio.Event()
    loop = asyncio.get_running_loop()

    def stored() -> None:
        delivered.append(time.perf_counter())
        loop.call_soon_threadsafe(wake.set)

    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    token = await connect(url, realm, f"http://127.0.0.1:{port}/")
    to_row: list[float] = []
    after_delivery: list[float] = []
    reads: list[float] = []
    with ServerThread(WebhookInbox(mirror, token, on_stored=stored), port=port):
        offset = server_offset(url)
        async with AsyncClient(
            realm,
            environment=url,
            access_token=TOKEN,
            clock=lambda: datetime.now(UTC) + offset,
        ) as qb:
            for i in range(writes):
                delivered.clear()
                wake.clear()
                started = time.perf_counter()
                made = await qb.customers.create({"DisplayName": f"Webhook timing {i}"})
                while True:
                    await wake.wait()
                    wake.clear()
                    await process_inbox(mirror, qb)
                    if _mirrored(mirror, realm, str(made.Id)):
                        break
                done = time.perf_counter()
                to_row.append(done - started)
                after_delivery.append(done - delivered[0])
                begun = time.perf_counter()
                await qb.customers.get(str(made.Id))
                reads.append(time.perf_counter() - begun)
    mirror.close()
    return {
        "write_to_row_p50": pct(to_row, 0.5),
        "write_to_row_p99": pct(to_row, 0.99),
        "delivery_to_row_p50": pct(after_delivery, 0.5),
        "delivery_to_row_p99": pct(after_delivery, 0.99),
        "read_round_trip_p50": statistics.median(reads),
    }


def _mirrored(mirror: Mirror, realm: str, object_id: str) -> bool:
    o = t.objects
    with mirror.transaction() as conn:
        row = conn.execute(
            o.select().where(o.c.realm_id == realm, o.c.entity == "Customer", o.c.id == object_id)
        ).first()
    return row is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="objects in the company")
    parser.add_argument("--writes", type=int, default=30, help="writes timed through webhooks")
    parser.add_argument(
        "--child", nargs=3, metavar=("URL", "REALM", "MIRROR"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.child:
        child_sync(*args.child)
        return
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        seeding = time.perf_counter()
        with emulator(tmp, args.n) as (url, realm):
            print(f"large:{args.n} company ready in {time.perf_counter() - seeding:.0f} s")
            age_the_company(url)
            sync = sync_load(url, realm, tmp)
            pq = python_quickbooks_paging(url, realm)
            own = asyncio.run(client_paging(url, realm))
            hook = asyncio.run(webhook_latency(url, realm, tmp, args.writes))
    entity_types = len(mirrored_entities())
    budget = 1.2 * math.ceil(args.n / 30000) + entity_types
    print(f"\nfull extract of large:{args.n} (throttling on, realistic latency)")
    print(f"{'':38}{'wall s':>9}{'requests':>10}{'rows':>9}{'vs pq':>8}")
    for name, r in (
        ("qbo sync run (Syncer, SQLite mirror)", sync),
        ("python-quickbooks Entity.all, 1000/page", pq),
        ("client paging (as iter())", own),
    ):
        ratio = r["seconds"] / pq["seconds"]
        print(f"{name:38}{r['seconds']:9.2f}{r['requests']:10d}{r['rows']:9d}{ratio:8.2f}x")
    print(
        f"sync wall time incl. process start: {sync['wall']:.2f} s; peak RSS {sync['peak_mb']:.0f} MB"
    )
    print(f"request budget 1.2 x ceil(N/30000) + {entity_types} entity types = {budget:.1f}")
    print(f"python-quickbooks paged {pq['entities']} entity types (those it has a class for)")
    if pq["failed"]:
        print(f"  refused by the query parser (left out): {', '.join(pq['failed'])}")
    print("\nwebhook to mirror (sequential writes, ms)")
    for key, value in hook.items():
        print(f"  {key:22}{value * 1000:9.0f}")
    ratio = hook["delivery_to_row_p50"] / hook["read_round_trip_p50"]
    print(f"  delivery -> row p50 = {ratio:.2f} read round trips (target <= 3)")


if __name__ == "__main__":
    main()
