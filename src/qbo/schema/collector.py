"""Pausing Python's cyclic garbage collector while building data that is all kept.

Decoding a JSON page and turning it into rows, or seeding a company whose documents all
stay cached until its transaction ends, allocates tens of thousands of container objects
that all live on: a collection in between finds no garbage, yet the allocations set off
young collections every 700 objects and, as the data held grows, full collections that
walk everything held. That was about half of the CPU of a 100,000-row read and a third of
a ``large:20000`` seeding (benchmarks/RESULTS.md). JSON trees, the rows built from them
and a seed's documents have no reference cycles, so reference counting frees them and
nothing is left for the collector to find afterwards.

Blocks nest and overlap across threads: the collector comes back on when the last one
ends, and only if one of them turned it off (an application that turned it off keeps it
off).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_inside = 0  # blocks running now, in every thread
_paused_here = False  # whether the first of them turned the collector off


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, if it was on."""
    global _inside, _paused_here
    with _lock:
        _inside += 1
        if _inside == 1 and gc.isenabled():
            gc.disable()
            _paused_here = True
    try:
        yield
    finally:
        with _lock:
            _inside -= 1
            if _inside == 0 and _paused_here:
                gc.enable()
                _paused_here = False
