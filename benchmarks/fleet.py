"""The sync fleet: time for 20 realms to converge with 1, 2 and 4 worker processes.

One emulator runs as a subprocess (``qbo emulator serve``) with OAuth, throttling on
(Intuit's limits) and the ``realistic`` latency profile; it holds ``--realms`` companies
of ``large:N`` objects each. For each worker count, in one run and on the same companies:
a new fleet (a PostgreSQL schema of its own) is connected to every realm, the workers
(real processes, ``python -m qbo.sync.fleet``, one job at a time each) load them all, and
the time until every realm's load has finished is measured. Then a few sweeps run, and
the incremental passes' durations give the capacity estimate in RESULTS.md.

Printed: wall time per worker count and its speed-up over one worker (expected near
linear while realms outnumber workers: the bound is per-realm latency, not CPU); the
busiest realm's requests per minute during its load (Intuit allows 500); the 429s the
emulator answered (expected 0: pacing is shared through PostgreSQL).

Not a test: it asserts nothing and exits 0.

    make bench-fleet
    .venv/bin/python benchmarks/fleet.py [--realms 20] [--n 5000] [--workers 1,2,4]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import sqlalchemy
from sqlalchemy import func, select

from qbo.client.auth import ClientCredentials, OAuthClient, Token, generate_key, parse_redirect
from qbo.client.environment import emulator as emulator_environment
from qbo.sync import tables as t
from qbo.sync.fleet import Fleet, FleetSettings
from qbo.sync.fleet.fleet import LOAD, SYNC
from qbo.testing import EmulatorProcess

PG_URL = os.environ.get(
    "QBO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIRECT = "http://localhost/fleet-bench"


@contextlib.contextmanager
def emulator(tmp: Path, realms: int, n: int) -> Iterator[tuple[str, list[str]]]:
    args = ("--db", str(tmp / "fleet-bench.db"), "--seed", f"large:{n}")
    options = ("--throttle", "on", "--latency", "realistic", "--access-log")
    with (
        (tmp / "emulator.log").open("wb") as log,
        EmulatorProcess(*args, *options, stderr=log, startup_timeout=900) as served,
    ):
        ids = list(served.realms)
        for _ in range(realms - 1):
            made = httpx.post(
                f"{served.base_url}/_emulator/realms", json={"seed": f"large:{n}"}, timeout=900
            )
            made.raise_for_status()
            ids.append(str(made.json()["realmId"]))
        yield served.base_url, ids


def tokens(url: str, realms: list[str]) -> tuple[dict[str, str], list[Token]]:
    app = httpx.post(
        f"{url}/_emulator/apps",
        json={"name": "fleet bench", "redirect_uris": [REDIRECT], "auto_approve": True},
    ).json()
    credentials = ClientCredentials(app["client_id"], app["client_secret"], REDIRECT)
    oauth = OAuthClient(emulator_environment(url), credentials)
    got = []
    for realm_id in realms:
        request = oauth.authorization_url(extra={"realm_id": realm_id})
        answer = httpx.get(request.url, follow_redirects=False, timeout=60)
        code = parse_redirect(answer.headers["location"], expected_state=request.state)
        got.append(oauth.exchange_code(code.code, realm_id=code.realm_id, scope=request.scope))
    return app, got


def worker_env(settings: FleetSettings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBO_FLEET")}
    env.update(
        QBO_FLEET_DATABASE=settings.database_url,
        QBO_CLIENT_ID=settings.client_id,
        QBO_CLIENT_SECRET=settings.client_secret,
        QBO_BASE_URL=settings.environment,
        QBO_FLEET_SCHEMA=settings.schema or "",
        QBO_FLEET_SWEEP_CRON=settings.sweep_cron,
        QBO_FLEET_CONCURRENCY="1",
    )
    return env


def finished_loads(fleet: Fleet) -> int:
    r = t.fleet_runs
    with fleet.mirror.transaction() as conn:
        done = conn.execute(
            select(func.count(func.distinct(r.c.realm_id))).where(
                r.c.task == LOAD, r.c.outcome == "ok"
            )
        ).scalar()
    return int(done or 0)


def one_round(
    url: str, app: dict[str, str], realm_tokens: list[Token], workers: int, tmp: Path
) -> dict[str, float]:
    schema = f"fleet_bench_{secrets.token_hex(3)}"
    settings = FleetSettings(
        database_url=PG_URL,
        client_id=app["client_id"],
        client_secret=app["client_secret"],
        environment=url,
        schema=schema,
        sweep_cron="* * * * * */15",
    )
    fleet = Fleet(settings)
    fleet.install()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for token in realm_tokens:
            fleet.connect(token)
        started = time.perf_counter()
        for n in range(workers):
            log = (tmp / f"worker-{workers}-{n}.log").open("wb")
            procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "qbo.sync.fleet"],
                    env=worker_env(settings),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        while finished_loads(fleet) < len(realm_tokens):
            time.sleep(0.5)
        wall = time.perf_counter() - started
        time.sleep(35)  # a couple of sweeps: incremental passes to measure
        r = t.fleet_runs
        with fleet.mirror.transaction() as conn:
            loads = conn.execute(
                select(r.c.requests, r.c.started_ms, r.c.finished_ms).where(r.c.task == LOAD)
            ).all()
            passes = conn.execute(
                select(r.c.started_ms, r.c.finished_ms, r.c.requests).where(
                    r.c.task == SYNC, r.c.outcome == "ok"
                )
            ).all()
        if os.environ.get("QBO_BENCH_VERBOSE"):
            with fleet.mirror.transaction() as conn:
                for row in conn.execute(
                    select(
                        r.c.task,
                        r.c.realm_id,
                        r.c.worker,
                        r.c.started_ms,
                        r.c.finished_ms,
                        r.c.requests,
                    ).order_by(r.c.started_ms)
                ).all():
                    print(
                        row.task,
                        row.realm_id,
                        row.worker,
                        row.started_ms - int(started * 0),
                        (row.finished_ms or 0) - row.started_ms,
                        row.requests,
                    )
        rates = [req / max((end - start) / 60000, 1e-9) for req, start, end in loads if req and end]
        pass_seconds = [(end - start) / 1000 for start, end, _ in passes if end]
        return {
            "wall": wall,
            "max_rpm": max(rates) if rates else 0.0,
            "pass_p50": statistics.median(pass_seconds) if pass_seconds else float("nan"),
            "pass_requests": statistics.median([q for *_, q in passes]) if passes else float("nan"),
        }
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        fleet.close()
        engine = sqlalchemy.create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--realms", type=int, default=20)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--workers", default="1,2,4")
    args = parser.parse_args()
    counts = [int(w) for w in args.workers.split(",")]
    os.environ.setdefault("QBO_TOKEN_KEY", generate_key())
    with (
        tempfile.TemporaryDirectory() as folder,
        emulator(Path(folder), args.realms, args.n) as (
            url,
            realms,
        ),
    ):
        app, realm_tokens = tokens(url, realms)
        rows = {w: one_round(url, app, realm_tokens, w, Path(folder)) for w in counts}
        log = (Path(folder) / "emulator.log").read_text(errors="replace")
        throttled = log.count(" 429")
    base = rows[counts[0]]["wall"]
    print(
        f"\n{args.realms} realms x large:{args.n}, throttling on, realistic latency, "
        "one job per worker"
    )
    print(f"{'workers':>8} {'converge s':>11} {'speed-up':>9} {'busiest realm req/min':>22}")
    for w in counts:
        row = rows[w]
        print(f"{w:>8} {row['wall']:>11.1f} {base / row['wall']:>9.2f} {row['max_rpm']:>22.0f}")
    last = rows[counts[-1]]
    print(
        f"incremental pass: p50 {last['pass_p50']:.2f} s, {last['pass_requests']:.0f} requests; "
        f"429 answers in the emulator's log: {throttled}"
    )


if __name__ == "__main__":
    main()
