"""A process that takes pacing slots from a shared SQLite store (test_pacing spawns it).

Kept apart from the test module so a spawned interpreter imports only the pacer.
"""

from __future__ import annotations

import multiprocessing
import time

from qbo.client.pacing import Cost, Pacer, PacingLimits, SqlitePacingStore, Ticket


def hammer(path: str, count: int, out: multiprocessing.Queue[list[tuple[float, float]]]) -> None:
    limits = PacingLimits(per_minute=1000, per_second=4, concurrent=2, window_scale=0.1)
    pacer = Pacer(limits, SqlitePacingStore(path))
    spans: list[tuple[float, float]] = []
    for _ in range(count):
        while True:
            got = pacer.try_acquire("realm", Cost())
            if isinstance(got, Ticket):
                break
            time.sleep(got)
        start = time.time()
        time.sleep(0.002)
        end = time.time()
        pacer.release(got)
        spans.append((start, end))
    out.put(spans)
