"""Query latency on a big company, as ratios to a read by id, over loopback HTTP.

The company is the ``large:200000`` seed: 100,000 customers (``Acme 000001`` ...) and
100,000 one-line invoices, made through the domain path (about a minute), in a SQLite file
in a temporary directory (``--db PATH`` keeps and reuses it). One emulator serves it with
uvicorn on 127.0.0.1, and one client measures, round-robin so drift hits all alike:

    (a) GET /customer/{id}                                 the unit
    (b) DisplayName LIKE 'Acme 0123%' (100 rows: a page)   target <= 3x (a)
    (c) a TxnDate range, 100 rows                          target <= 3x (a)
    (d) CustomerRef = '<id>'                               target <= 3x (a)
    (e) count(*) with a filter                             target <= 3x (a)
    (f) STARTPOSITION 90001 MAXRESULTS 1000                target <= 20x (a)

plus a few informative extras (no target). Prints the median latency of each and its ratio
to (a). Not a test: it asserts nothing and exits 0.

    .venv/bin/python benchmarks/query.py [--db PATH] [--repeat 60]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.emulator.store.session import Realm
from qbo.testing import ServerThread

SEED = "large:200000"


def open_company(db: Path) -> tuple[Emulator, Realm, float]:
    """The emulator and its large realm (built unless the file already holds one)."""
    emulator = Emulator.open(EmulatorConfig(db=str(db), seed="empty"))
    for realm in emulator.realms.list():
        if realm.seed == SEED:
            return emulator, realm, 0.0
    start = time.perf_counter()
    realm = emulator.realms.create(SEED)
    return emulator, realm, time.perf_counter() - start


Case = tuple[str, str, float | None, Callable[[int], tuple[str, dict[str, str]]]]


def cases(realm_id: str) -> list[Case]:
    base = f"/v3/company/{realm_id}"

    def query(text: str) -> tuple[str, dict[str, str]]:
        return f"{base}/query", {"query": text}

    # Ids rotate so no answer is cached anywhere but in the database's own pages.
    return [
        ("(a) read by id", "GET customer/{id}", None, lambda i: (f"{base}/customer/{1 + i * 7919 % 100_000}", {})),
        ("(b) name prefix", "DisplayName LIKE 'Acme 0123%', 100 rows", 3,
         lambda i: query(f"SELECT * FROM Customer WHERE DisplayName LIKE 'Acme 0{100 + i % 800}%'")),
        ("(c) date range", "TxnDate range, 100 rows", 3,
         lambda i: query(f"SELECT * FROM Invoice WHERE TxnDate >= '2025-{1 + i % 9:02d}-03' "
                         f"AND TxnDate <= '2025-{1 + i % 9:02d}-09'")),
        ("(d) by customer", "CustomerRef = '<id>'", 3,
         lambda i: query(f"SELECT * FROM Invoice WHERE CustomerRef = '{1 + i * 7919 % 100_000}'")),
        ("(e) filtered count", "count(*) of one month's invoices", 3,
         lambda i: query(f"SELECT count(*) FROM Invoice WHERE TxnDate >= '2025-{1 + i % 9:02d}-01' "
                         f"AND TxnDate < '2025-{2 + i % 9:02d}-01'")),
        ("(f) deep page", "STARTPOSITION 90001 MAXRESULTS 1000", 20,
         lambda i: query("SELECT * FROM Customer STARTPOSITION 90001 MAXRESULTS 1000")),
        ("(x1) 10-row prefix", "DisplayName LIKE 'Acme 01000%'", None,
         lambda i: query(f"SELECT * FROM Customer WHERE DisplayName LIKE 'Acme 0{1000 + i % 8000}%'")),
        ("(x2) customer count", "count(*) DisplayName LIKE 'Acme 01%'", None,
         lambda i: query("SELECT count(*) FROM Customer WHERE DisplayName LIKE 'Acme 01%'")),
        ("(x3) sorted page", "Invoice ORDERBY TotalAmt DESC, 100 rows", None,
         lambda i: query("SELECT * FROM Invoice ORDERBY TotalAmt DESC")),
    ]  # fmt: skip


def rows_of(response: httpx.Response) -> str:
    body = response.json()
    if "QueryResponse" not in body:
        return "1 object"
    answer = body["QueryResponse"]
    if "totalCount" in answer:
        return f"count {answer['totalCount']}"
    return f"{answer.get('maxResults', 0)} rows"


def measure(url: str, realm_id: str, repeat: int) -> list[tuple[Case, float, str]]:
    table = cases(realm_id)
    times: dict[str, list[float]] = {case[0]: [] for case in table}
    sizes: dict[str, str] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for i in range(-5, repeat):  # five rounds of warm-up
            for case in table:
                path, params = case[3](i)
                start = time.perf_counter()
                response = client.get(path, params=params)
                elapsed = time.perf_counter() - start
                if response.status_code != 200:
                    raise RuntimeError(f"{case[0]}: {response.status_code} {response.text[:300]}")
                if i >= 0:
                    times[case[0]].append(elapsed * 1000)
                sizes[case[0]] = rows_of(response)
    return [(case, statistics.median(times[case[0]]), sizes[case[0]]) for case in table]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--db", type=Path, help="SQLite file to build or reuse (default: temporary)"
    )
    parser.add_argument("--repeat", type=int, default=60, help="measured rounds (default 60)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "query-bench.db"
        print(f"company: {SEED} in {db} ...", flush=True)
        emulator, realm, built = open_company(db)
        if built:
            print(f"built in {built:.0f} s", flush=True)
        try:
            with ServerThread(create_app(emulator)) as url:
                results = measure(url, realm.realm_id, args.repeat)
        finally:
            emulator.close()
    unit = results[0][1]
    print(f"\nmedian of {args.repeat} rounds, loopback HTTP, one client\n")
    print(f"{'case':<22}{'request':<42}{'answer':>14}{'median ms':>11}{'x (a)':>8}{'target':>8}")
    for (name, what, target, _), ms, size in results:
        verdict = (
            "" if target is None else f"<= {target:g}" + (" ok" if ms / unit <= target else " MISS")
        )
        print(f"{name:<22}{what:<42}{size:>14}{ms:>11.2f}{ms / unit:>8.2f}{verdict:>11}")


if __name__ == "__main__":
    main()
