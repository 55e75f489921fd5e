"""A process that takes pacing slots from a shared PostgreSQL or Redis store.

Kept apart from the test module so a spawned interpreter imports only the pacer.
"""

from __future__ import annotations

import time

from qbo.client.pacing import Cost, Pacer, PacingLimits, Ticket
from qbo.client.shared_pacing import PostgresPacingStore, RedisPacingStore

LIMITS = PacingLimits(per_minute=1000, per_second=4, concurrent=2, window_scale=0.1)


def store(kind: str, target: str, scope: str) -> PostgresPacingStore | RedisPacingStore:
    if kind == "postgres":
        return PostgresPacingStore(target, schema=scope)
    return RedisPacingStore(target, prefix=f"{scope}:")


def hammer(kind: str, target: str, scope: str, count: int) -> None:
    pacer = Pacer(LIMITS, store(kind, target, scope))
    for _ in range(count):
        while True:
            got = pacer.try_acquire("realm", Cost())
            if isinstance(got, Ticket):
                break
            time.sleep(got)
        time.sleep(0.002)  # the request
        pacer.release(got)
