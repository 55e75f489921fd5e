"""Seeding ``large:N``: this tree against another checkout (the start of the round), side by side.

Each seeding runs in a child process of its own with one source tree first on
``PYTHONPATH``: a new emulator (a SQLite file in a temporary folder, or a PostgreSQL
schema of its own), then ``Realms.create("large:N")`` timed alone (wall and CPU). The two
trees alternate within every round, on each database, and the ratio of the medians is
printed. The other tree is a git worktree of an older commit, for example:

    git worktree add /work/wt-seed-base 45b5b22
    .venv/bin/python benchmarks/seed.py --base /work/wt-seed-base --n 100000

Not a test: it asserts nothing and exits 0 (``make bench-seed``; N defaults to 20,000).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

PG_URL = os.environ.get(
    "QBO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
HERE = Path(__file__).resolve().parent.parent
DEFAULT_BASE = Path("/work/wt-seed-base")

#: The child: open an emulator, time one large seed, print the figures as JSON. Only the
#: public API both trees share is used.
CHILD = """
import json, sys, time
import qbo
from qbo.emulator import Emulator, EmulatorConfig
db, schema, n = sys.argv[1], sys.argv[2] or None, int(sys.argv[3])
emulator = Emulator.open(EmulatorConfig(db=db, db_schema=schema, seed="empty"))
wall, cpu = time.perf_counter(), time.process_time()
emulator.realms.create(f"large:{n}")
wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
emulator.close()
print(json.dumps({"wall": wall, "cpu": cpu, "source": qbo.__file__}))
"""


def _drop_schema(schema: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(PG_URL)
    with engine.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    engine.dispose()


def seed_once(tree: Path, backend: str, n: int) -> dict[str, float]:
    """One timed ``large:n`` seeding by the code of ``tree`` in a child process."""
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    with tempfile.TemporaryDirectory() as folder:
        if backend == "sqlite":
            db, schema = str(Path(folder) / "seed.db"), ""
        else:
            db, schema = PG_URL, f"bench_seed_{secrets.token_hex(4)}"
        try:
            out = subprocess.run(
                [sys.executable, "-c", CHILD, db, schema, str(n)],
                env=env,
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        finally:
            if schema:
                _drop_schema(schema)
    found = json.loads(out.strip().splitlines()[-1])
    if not str(found["source"]).startswith(str(tree)):
        raise SystemExit(f"the child imported qbo from {found['source']}, not from {tree}")
    return {"wall": float(found["wall"]), "cpu": float(found["cpu"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=20_000, help="objects to seed (large:N)")
    parser.add_argument("--rounds", type=int, default=1, help="seedings per tree and database")
    parser.add_argument("--base", type=Path, default=None, help="the other checkout")
    parser.add_argument(
        "--db", choices=("sqlite", "postgres", "both"), default="both", help="databases to use"
    )
    args = parser.parse_args()
    if args.base is None and not (DEFAULT_BASE / "src" / "qbo").is_dir():
        # make bench runs every script: without a checkout to compare with, say so and stop.
        print(f"no checkout to compare with at {DEFAULT_BASE}: pass --base (skipped)")
        return
    args.base = args.base or DEFAULT_BASE
    if not (args.base / "src" / "qbo").is_dir():
        raise SystemExit(
            f"{args.base} is no checkout of qbo (git worktree add {args.base} <commit>)"
        )
    backends = ("sqlite", "postgres") if args.db == "both" else (args.db,)
    trees = {"base": args.base.resolve(), "this": HERE}
    load = os.getloadavg()[0]
    results: dict[tuple[str, str], list[dict[str, float]]] = {}
    for round_no in range(args.rounds):
        for backend in backends:
            # Alternate which tree goes first, so neither always runs on a warmer machine.
            order = ("base", "this") if round_no % 2 == 0 else ("this", "base")
            for name in order:
                found = seed_once(trees[name], backend, args.n)
                results.setdefault((backend, name), []).append(found)
                print(
                    f"round {round_no + 1} {backend:8} {name}: wall {found['wall']:7.2f} s, "
                    f"cpu {found['cpu']:7.2f} s",
                    flush=True,
                )
    print(f"\nseeding large:{args.n} (median of {args.rounds}; load average at start {load:.2f})")
    print(f"base: {trees['base']}\nthis: {trees['this']}")
    print(
        f"{'database':10} {'base wall s':>12} {'this wall s':>12} {'faster':>8} {'cpu faster':>11}"
    )
    for backend in backends:
        base, this = results[(backend, "base")], results[(backend, "this")]
        base_wall = statistics.median(r["wall"] for r in base)
        this_wall = statistics.median(r["wall"] for r in this)
        base_cpu = statistics.median(r["cpu"] for r in base)
        this_cpu = statistics.median(r["cpu"] for r in this)
        print(
            f"{backend:10} {base_wall:12.2f} {this_wall:12.2f} {base_wall / this_wall:7.2f}x "
            f"{base_cpu / this_cpu:10.2f}x"
        )
    print(f"load average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
