"""The client against the emulator over loopback: overhead, concurrency and pacing, as ratios.

One emulator runs as a subprocess (``qbo emulator serve``, so it does not share this
process's GIL) on a SQLite file with the ``demo`` seed and ``--auth none``; every client
below talks to it over a real keep-alive socket. Measured side by side in one run:

    (1) ``Client.customers.get(id)`` vs a raw ``httpx.Client`` loop sending the same GET
        (same ids, URL, headers, keep-alive; the raw loop parses the JSON too)
                                                                  target <= 1.3x the raw loop
    (2) the same vs python-quickbooks ``Customer.get(id, qb=...)``  target: faster
    (3) ``AsyncClient`` with 10 requests in flight vs the same client sequential, under the
        ``realistic`` latency profile (reads take 150-300 ms)      target >= 7x the throughput
    (4) throttling on (Intuit's limits), realistic latency: a 15 s burst through one
        ``AsyncClient`` paced at Intuit's limits                   target >= 90% of 10/s, no 429
    (x) the same burst with every pacing slot held until the response (no target: what
        pacing gives without knowing when requests were written; ``--no-compare`` skips it)
    (5) typed rows: 100,000 Customers and Invoices (pages of 1,000 fetched from an emulator
        seeded ``large:2000``, each page decoded again and again) turned into typed rows the
        way ``client.query`` does (``parse_json`` + ``parse_query_response``) vs
        python-quickbooks (``requests``' JSON + ``Customer.from_json`` per row): CPU per row
        (``time.process_time`` over all rows) and memory retained per row (tracemalloc of
        the list of rows held)                          target <= python-quickbooks in both

(1) to (3) run with throttling off and the client's pacing off (``pacing=None``): pacing
would hold every loop to 10 requests per second. (1) and (2) alternate blocks of 20 reads
round-robin so drift hits all alike, and compare median times per read. Not a test: it
asserts nothing and exits 0.

(5) runs each client in a fresh child process per measurement (so one's garbage and caches
do not weigh on the other), alternated over ``--rows-rounds`` rounds; the median CPU is
reported. ``--rows-before REF`` adds the client as it was at git ``REF`` (its ``src``,
exported with ``git archive``) on the same pages, for a before/after in one run.

    make bench-client        (installs the ``bench`` extra: python-quickbooks)
    .venv/bin/python benchmarks/client.py [--rounds 40] [--burst 15]
    .venv/bin/python benchmarks/client.py --rows-only [--rows 100000] [--rows-before main]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import inspect
import itertools
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx

from qbo import AsyncClient, Client
from qbo.client import PacingLimits, RateLimitError, RetryPolicy
from qbo.client._config import DEFAULT_PACING, PacingOption
from qbo.client.hooks import RequestEvent, ResponseEvent
from qbo.testing import EmulatorProcess

TOKEN = "benchmark-token"  # --auth none accepts any bearer token
BLOCK = 20  # reads per timed block in (1) and (2)
SEQUENTIAL = 20  # reads per sequential block in (3)
IN_FLIGHT = 10
CONCURRENT = 100  # reads per concurrent block in (3)
LATENCY_SEED = 7
ALLOWED_RATE = 10.0  # requests per second per realm and app


# -- the emulator ---------------------------------------------------------------------------


@contextlib.contextmanager
def emulator_process(tmp: Path) -> Iterator[tuple[str, str]]:
    """``qbo emulator serve`` on a free port: (base URL, realm id), stopped on exit."""
    args = ("--db", str(tmp / "client-bench.db"), "--seed", "demo", "--auth", "none")
    options = ("--throttle", "off", "--latency", "none")
    with (
        (tmp / "emulator.log").open("wb") as log,
        EmulatorProcess(*args, *options, stderr=log) as served,
    ):
        wait_until_serving(served.base_url)
        yield served.base_url, served.realms[0]


def wait_until_serving(url: str) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            if httpx.get(f"{url}/_emulator/latency", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the emulator did not answer")
        time.sleep(0.05)


def control(url: str, what: str, body: dict[str, Any]) -> None:
    response = httpx.post(f"{url}/_emulator/{what}", json=body, timeout=10)
    response.raise_for_status()


def customer_ids(url: str, realm: str) -> list[str]:
    response = httpx.get(
        f"{url}/v3/company/{realm}/query",
        params={"query": "SELECT Id FROM Customer MAXRESULTS 1000"},
        headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
    )
    response.raise_for_status()
    return [row["Id"] for row in response.json()["QueryResponse"]["Customer"]]


# -- (1) and (2): sequential reads ----------------------------------------------------------

Reader = Callable[[str], object]


def raw_reader(http: httpx.Client, realm: str) -> Reader:
    """The same request our client sends, by hand: path, minorversion, Accept, bearer."""

    def read(object_id: str) -> object:
        response = http.get(
            f"/v3/company/{realm}/customer/{object_id}", params={"minorversion": "75"}
        )
        response.raise_for_status()
        return response.json()["Customer"]

    return read


def python_quickbooks_reader(url: str, realm: str) -> Reader:
    """python-quickbooks pointed at the emulator (its base URL is a class attribute)."""
    # requests-oauthlib refuses plain http unless told this is deliberate (loopback only).
    os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    from intuitlib.client import AuthClient
    from quickbooks import QuickBooks
    from quickbooks.objects.customer import Customer as PQCustomer

    # AuthClient reads a discovery document at construction: the emulator serves one.
    auth = AuthClient(
        "bench-client-id",
        "bench-secret",
        "http://127.0.0.1/callback",
        f"{url}/.well-known/openid_configuration",
        access_token=TOKEN,
    )
    qb = QuickBooks(auth_client=auth, refresh_token="unused", company_id=realm, minorversion=75)
    qb.api_url_v3 = f"{url}/v3"  # production mode reads api_url_v3; point it at the emulator

    def read(object_id: str) -> object:
        return PQCustomer.get(object_id, qb=qb)

    return read


def sequential_reads(url: str, realm: str, ids: list[str], rounds: int) -> dict[str, float]:
    """Median milliseconds per read of each reader, blocks alternated round-robin."""
    headers = {"Accept": "application/json", "Authorization": f"Bearer {TOKEN}"}
    with (
        httpx.Client(base_url=url, headers=headers, timeout=60) as http,
        Client(realm, environment=url, access_token=TOKEN, pacing=None) as qb,
    ):
        readers: dict[str, Reader] = {
            "raw": raw_reader(http, realm),
            "qbo": qb.customers.get,
        }
        try:
            readers["python-quickbooks"] = python_quickbooks_reader(url, realm)
        except ImportError:
            print("python-quickbooks is not installed (make bench-client installs it)")
        times: dict[str, list[float]] = {name: [] for name in readers}
        cycle = itertools.cycle(ids)
        names = list(readers)
        for r in range(-3, rounds):  # three rounds of warm-up
            for name in names[r % len(names) :] + names[: r % len(names)]:
                block = [next(cycle) for _ in range(BLOCK)]
                read = readers[name]
                start = time.perf_counter()
                for object_id in block:
                    read(object_id)
                elapsed = time.perf_counter() - start
                if r >= 0:
                    times[name].append(elapsed / BLOCK * 1000)
    return {name: statistics.median(values) for name, values in times.items()}


# -- (3): ten in flight vs sequential -------------------------------------------------------


async def drain(qb: AsyncClient, todo: Iterator[str]) -> None:
    """Read ids from a shared iterator until it is empty (10 of these keep 10 in flight)."""
    for object_id in todo:
        await qb.customers.get(object_id)


async def concurrency(url: str, realm: str, ids: list[str], rounds: int) -> tuple[float, float]:
    """Median ms per read: (sequential, 10 in flight), one AsyncClient, realistic latency."""
    sequential: list[float] = []
    parallel: list[float] = []
    async with AsyncClient(realm, environment=url, access_token=TOKEN, pacing=None) as qb:
        cycle = itertools.cycle(ids)
        for _ in range(IN_FLIGHT):
            await qb.customers.get(next(cycle))
        for _ in range(rounds):
            start = time.perf_counter()
            for _ in range(SEQUENTIAL):
                await qb.customers.get(next(cycle))
            sequential.append((time.perf_counter() - start) / SEQUENTIAL * 1000)

            todo = iter([next(cycle) for _ in range(CONCURRENT)])
            start = time.perf_counter()
            async with asyncio.TaskGroup() as group:
                for _ in range(IN_FLIGHT):
                    group.create_task(drain(qb, todo))
            parallel.append((time.perf_counter() - start) / CONCURRENT * 1000)
    return statistics.median(sequential), statistics.median(parallel)


# -- (4): a paced burst under throttling ----------------------------------------------------


async def burst(
    url: str, realm: str, ids: list[str], seconds: float, pacing: PacingOption = DEFAULT_PACING
) -> dict[str, float]:
    """As many reads as the pacer allows for ``seconds``, from 20 tasks; 429s counted.

    ``rate`` is the sustained rate, 10 over the median time between a request and the
    tenth after it (a paced client sends in waves of 10, so requests / seconds depends on
    where the last wave falls); ``per_duration`` is requests started / seconds.
    """
    starts: list[float] = []
    statuses: list[int | None] = []

    def on_request(event: RequestEvent) -> None:
        starts.append(time.monotonic())

    def on_response(event: ResponseEvent) -> None:
        statuses.append(event.status)

    # One attempt each, so a 429 (should one come) is counted and the task moves on
    # instead of waiting Intuit's 60 s.
    async with AsyncClient(
        realm,
        environment=url,
        access_token=TOKEN,
        pacing=pacing,
        retry=RetryPolicy(max_attempts=1),
        on_request=on_request,
        on_response=on_response,
    ) as qb:
        cycle = itertools.cycle(ids)
        began = time.monotonic()
        deadline = began + seconds

        async def worker() -> None:
            while time.monotonic() < deadline:
                with contextlib.suppress(RateLimitError):  # counted by on_response
                    await qb.customers.get(next(cycle))

        async with asyncio.TaskGroup() as group:
            for _ in range(2 * IN_FLIGHT):
                group.create_task(worker())
    sent = sorted(t - began for t in starts if t - began < seconds)
    busiest = max(sum(1 for u in sent[i:] if u < t + 1.0) for i, t in enumerate(sent))
    wave = int(ALLOWED_RATE)
    period = statistics.median(b - a for a, b in zip(sent, sent[wave:], strict=False))
    return {
        "requests": len(sent),
        "rate": wave / period,
        "per_duration": len(sent) / seconds,
        "throttled": sum(1 for s in statuses if s == 429),
        "errors": sum(1 for s in statuses if s != 200),
        "busiest": busiest,
    }


# -- (5): typed rows -------------------------------------------------------------------------

ROW_ENTITIES = ("Customer", "Invoice")
ROWS_PER_PAGE = 1000


def fetch_pages(tmp: Path) -> Path:
    """One page of 1,000 rows per entity from an emulator seeded ``large:2000``, as sent."""
    pages = tmp / "pages"
    pages.mkdir()
    args = ("--db", str(tmp / "rows-bench.db"), "--seed", "large:2000", "--auth", "none")
    with (
        (tmp / "rows-emulator.log").open("wb") as log,
        EmulatorProcess(*args, "--throttle", "off", "--latency", "none", stderr=log) as served,
    ):
        wait_until_serving(served.base_url)
        for entity in ROW_ENTITIES:
            response = httpx.get(
                f"{served.base_url}/v3/company/{served.realms[0]}/query",
                params={"query": f"SELECT * FROM {entity} MAXRESULTS {ROWS_PER_PAGE}"},
                headers={"Authorization": f"Bearer {TOKEN}", "Accept": "application/json"},
                timeout=60,
            )
            response.raise_for_status()
            (pages / f"{entity}.json").write_bytes(response.content)
    return pages


PageReader = Callable[[str, bytes], list[Any]]


def qbo_page_reader() -> PageReader:
    """A page as ``client.query`` reads it: the response's JSON, then its typed rows."""
    from qbo.client._querytext import parse_query_response
    from qbo.client._responses import parse_json

    reuse = "reuse" in inspect.signature(parse_query_response).parameters  # older code: no

    def read(entity: str, content: bytes) -> list[Any]:
        body = parse_json(httpx.Response(200, content=content))
        if reuse:
            return list(parse_query_response(body, entity, reuse=True))
        return list(parse_query_response(body, entity))

    return read


def python_quickbooks_page_reader() -> PageReader:
    """A page as python-quickbooks' ``query`` reads it: ``requests``' JSON, ``from_json``."""
    from quickbooks.objects.customer import Customer as PQCustomer
    from quickbooks.objects.invoice import Invoice as PQInvoice
    from requests.compat import json as requests_json

    models: dict[str, Any] = {"Customer": PQCustomer, "Invoice": PQInvoice}

    def read(entity: str, content: bytes) -> list[Any]:
        body = requests_json.loads(content.decode("utf-8"))
        model = models[entity]
        return [model.from_json(row) for row in body["QueryResponse"][entity]]

    return read


def rows_worker(reader_name: str, pages: Path, rows: int, measure: str) -> None:
    """In a child process: CPU or retained memory per row over ``rows`` rows; JSON out."""
    reader = python_quickbooks_page_reader() if reader_name == "pq" else qbo_page_reader()
    contents = {entity: (pages / f"{entity}.json").read_bytes() for entity in ROW_ENTITIES}
    for entity, content in contents.items():  # warm-up: imports, first-use caches
        reader(entity, content)
    rounds = max(1, rows // (ROWS_PER_PAGE * len(ROW_ENTITIES)))
    gc.collect()
    if measure == "memory":
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
    started = time.process_time()
    held: list[Any] = []
    for _ in range(rounds):
        for entity, content in contents.items():
            held.extend(reader(entity, content))
    cpu = time.process_time() - started
    result: dict[str, Any] = {"rows": len(held), "qbo": _qbo_origin()}
    if measure == "memory":
        gc.collect()
        result["bytes_per_row"] = (tracemalloc.get_traced_memory()[0] - before) / len(held)
        tracemalloc.stop()
    else:
        result["us_per_row"] = cpu / len(held) * 1e6
    print(json.dumps(result))


def _qbo_origin() -> str:
    import qbo

    return str(Path(qbo.__file__).parent)


def export_source(ref: str, tmp: Path) -> Path:
    """``src`` of the repository at ``ref`` (git archive), for the before measurement."""
    root = Path(__file__).resolve().parent.parent
    archive = tmp / "before.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(root), "archive", ref, "src"], stdout=out, check=True)
    target = tmp / "before"
    with tarfile.open(archive) as tar:
        tar.extractall(target, filter="data")
    return target / "src"


def typed_rows(
    pages: Path, rows: int, rounds: int, before_src: Path | None
) -> dict[str, dict[str, float]]:
    """Median CPU and retained memory per row of each reader, child processes alternated."""
    readers: list[tuple[str, str, Path | None]] = [("python-quickbooks", "pq", None)]
    readers.append(("qbo", "qbo", None))
    if before_src is not None:
        readers.append(("qbo before", "qbo", before_src))
    cpu: dict[str, list[float]] = {label: [] for label, _, _ in readers}
    memory: dict[str, float] = {}
    for round_index in range(rounds + 1):  # the last round measures memory
        measure = "memory" if round_index == rounds else "cpu"
        for label, name, src in (
            readers[round_index % len(readers) :] + readers[: round_index % len(readers)]
        ):
            env = dict(os.environ)
            if src is not None:
                env["PYTHONPATH"] = str(src)
            command = [sys.executable, __file__, "--rows-worker", name, str(pages)]
            command += ["--rows", str(rows), "--rows-measure", measure]
            out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
            result = json.loads(out.stdout.strip().splitlines()[-1])
            if src is not None and not result["qbo"].startswith(str(src)):
                raise RuntimeError(f"the before run imported qbo from {result['qbo']}")
            if measure == "memory":
                memory[label] = result["bytes_per_row"]
            else:
                cpu[label].append(result["us_per_row"])
    return {
        label: {"us_per_row": statistics.median(cpu[label]), "bytes_per_row": memory[label]}
        for label, _, _ in readers
    }


def report_rows(figures: dict[str, dict[str, float]], rows: int) -> None:
    pq = figures["python-quickbooks"]
    print(f"\n(5) typed rows: {rows} rows (half Customers, half Invoices), per row")
    print(f"{'reader':<22}{'CPU':>12}{'x pq':>7}{'retained':>12}{'x pq':>7}   target")
    for label, value in figures.items():
        cpu_ratio = value["us_per_row"] / pq["us_per_row"]
        memory_ratio = value["bytes_per_row"] / pq["bytes_per_row"]
        target = ""
        if label == "qbo":
            met = cpu_ratio <= 1.0 and memory_ratio <= 1.0
            target = f"<= pq in CPU and memory: {verdict(met)}"
        print(
            f"{label:<22}{value['us_per_row']:>9.1f} us{cpu_ratio:>7.2f}"
            f"{value['bytes_per_row']:>10.0f} B{memory_ratio:>7.2f}   {target}"
        )


# -- the report -----------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "pass" if ok else "MISS"


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, load {load:.2f}, httpx {httpx.__version__}"
    )


def report(
    reads: dict[str, float],
    sequential: float,
    parallel: float,
    paced: dict[str, float],
    held: dict[str, float] | None,
    seconds: float,
) -> None:
    raw, ours = reads["raw"], reads["qbo"]
    rows = [("raw httpx.Client loop", f"{raw:.3f} ms/read", "1.00", "")]
    rows.append(
        (
            "(1) Client.customers.get",
            f"{ours:.3f} ms/read",
            f"{ours / raw:.2f}",
            f"<= 1.3x raw: {verdict(ours / raw <= 1.3)}",
        )
    )
    if "python-quickbooks" in reads:
        pq = reads["python-quickbooks"]
        rows.append(
            (
                "(2) python-quickbooks Customer.get",
                f"{pq:.3f} ms/read",
                f"{pq / raw:.2f}",
                f"qbo faster: {verdict(ours < pq)} (qbo {pq / ours:.2f}x as fast)",
            )
        )
    speedup = sequential / parallel
    rows.append(("AsyncClient sequential (realistic)", f"{sequential:.1f} ms/read", "1.00", ""))
    rows.append(
        (
            "(3) AsyncClient, 10 in flight",
            f"{parallel:.1f} ms/read",
            f"{speedup:.2f}x",
            f">= 7x: {verdict(speedup >= 7)}",
        )
    )
    share = paced["rate"] / ALLOWED_RATE
    ok = share >= 0.9 and paced["throttled"] == 0 and paced["errors"] == 0
    rows.append(
        (
            f"(4) paced burst, {seconds:g} s",
            f"{paced['rate']:.2f} req/s",
            f"{share:.0%}",
            f">= 90% of 10/s, no 429: {verdict(ok)}",
        )
    )
    if held is not None:
        rows.append(
            (
                "(x) same, slots held to the response",
                f"{held['rate']:.2f} req/s",
                f"{held['rate'] / ALLOWED_RATE:.0%}",
                "no target (slots dated by the response)",
            )
        )
    print()
    print(f"{'measurement':<40}{'median':>16}{'ratio':>8}   target")
    for name, value, ratio, target in rows:
        print(f"{name:<40}{value:>16}{ratio:>8}   {target}")
    print()
    for label, burst_result in (("(4)", paced), ("(x)", held)):
        if burst_result is None:
            continue
        print(
            f"{label} {burst_result['requests']:.0f} requests started in {seconds:g} s "
            f"({burst_result['per_duration']:.2f}/s), {burst_result['throttled']:.0f} answered "
            f"429, {burst_result['errors']:.0f} not 200; busiest 1 s (client side): "
            f"{burst_result['busiest']:.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=40, help="blocks per reader in (1), (2)")
    parser.add_argument("--async-rounds", type=int, default=3, help="rounds of (3)")
    parser.add_argument("--burst", type=float, default=15.0, help="seconds of (4)")
    parser.add_argument(
        "--no-compare", action="store_true", help="skip (x), the burst with the old rule"
    )
    parser.add_argument("--rows-only", action="store_true", help="run only (5), typed rows")
    parser.add_argument("--rows", type=int, default=100_000, help="rows per reader in (5)")
    parser.add_argument("--rows-rounds", type=int, default=3, help="CPU rounds of (5)")
    parser.add_argument(
        "--rows-before", metavar="REF", help="add (5) for the client at git REF (before/after)"
    )
    parser.add_argument("--rows-worker", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--rows-measure", default="cpu", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows_worker:
        rows_worker(args.rows_worker[0], Path(args.rows_worker[1]), args.rows, args.rows_measure)
        return
    began = time.perf_counter()
    if not args.rows_only:
        client_sections(args)
    with tempfile.TemporaryDirectory() as tmp:
        before = export_source(args.rows_before, Path(tmp)) if args.rows_before else None
        pages = fetch_pages(Path(tmp))
        print(f"(5) typed rows; {machine()}", flush=True)
        figures = typed_rows(pages, args.rows, args.rows_rounds, before)
    report_rows(figures, args.rows)
    print(f"\ntotal {time.perf_counter() - began:.0f} s")


def client_sections(args: argparse.Namespace) -> None:
    """(1) to (4) and (x), against an emulator seeded ``demo``."""
    with tempfile.TemporaryDirectory() as tmp, emulator_process(Path(tmp)) as (url, realm):
        ids = customer_ids(url, realm)
        print(f"emulator {url}, realm {realm}, {len(ids)} customers; {machine()}", flush=True)
        reads = sequential_reads(url, realm, ids, args.rounds)
        control(url, "latency", {"profile": "realistic", "seed": LATENCY_SEED})
        sequential, parallel = asyncio.run(concurrency(url, realm, ids, args.async_rounds))
        control(url, "throttle", {"enabled": True, "reset": True})
        paced = asyncio.run(burst(url, realm, ids, args.burst))  # the default pacer
        held = None
        if not args.no_compare:
            control(url, "throttle", {"enabled": True, "reset": True})
            # A margin longer than any answer: every slot is held until the response.
            old_rule = PacingLimits(arrival_margin=3600.0)
            held = asyncio.run(burst(url, realm, ids, args.burst, old_rule))
    report(reads, sequential, parallel, paced, held, args.burst)


if __name__ == "__main__":
    main()
