"""Test companies in milliseconds: a company restored from its snapshot vs a reseed.

Measured side by side in one run, over HTTP against one emulator (in-memory SQLite, the
``demo`` company, served on a loopback socket), as medians:

    (a) a read by id                       GET /v3/company/{r}/customer/1
    (b) a reset restored from the snapshot POST /_emulator/realms/{r}/reset (2nd and later)
    (c) a seed                             POST /_emulator/realms {"seed": "demo"}
    target: (b) <= 25 x (a)

Not a test: it asserts nothing and exits 0.

    make bench-reset
"""

from __future__ import annotations

import statistics
import time

import httpx

from qbo.emulator import Emulator, EmulatorConfig, create_app
from qbo.testing import ServerThread


def timed(call: object, times: int) -> float:
    samples = []
    for _ in range(times):
        started = time.perf_counter()
        call()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def main() -> None:
    emulator = Emulator.open(EmulatorConfig(db=":memory:", seed="demo"))
    realm = emulator.realms.list()[0].realm_id
    with ServerThread(create_app(emulator)) as url, httpx.Client(base_url=url, timeout=120) as http:
        headers = {"Authorization": "Bearer any"}

        def read() -> None:
            http.get(f"/v3/company/{realm}/customer/1", headers=headers).raise_for_status()

        def reset() -> None:
            http.post(f"/_emulator/realms/{realm}/reset").raise_for_status()

        def reseed() -> None:  # a new demo company: the seed applied once
            http.post("/_emulator/realms", json={"seed": "demo"}).raise_for_status()

        for _ in range(20):
            read()  # warm up connections and caches
        reset()  # the first reset seeds and keeps the snapshot
        a = timed(read, 200)
        b = timed(reset, 20)
        c = timed(reseed, 3)
    emulator.close()
    print("\ntest companies: restore from a snapshot vs reseed (demo company, SQLite in memory)")
    print(f"(a) read by id            {a * 1000:8.2f} ms   1.0 x")
    print(f"(b) reset from snapshot   {b * 1000:8.2f} ms  {b / a:5.1f} x (a)   target <= 25 x")
    print(f"(c) seed a new company    {c * 1000:8.2f} ms  {c / a:5.1f} x (a)   {c / b:5.1f} x (b)")


if __name__ == "__main__":
    main()
