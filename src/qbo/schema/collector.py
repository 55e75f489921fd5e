"""Pausing Python's cyclic garbage collector while building data that is all kept.

Decoding a JSON page and turning it into rows allocates tens of thousands of container
objects that all live on: a collection in between finds no garbage, yet the allocations
set off young collections every 700 objects and, as the data held grows, full collections
that walk everything held. For a 100,000-row read that was about half of the CPU
(benchmarks/RESULTS.md). JSON trees and rows built from them have no reference cycles,
so nothing is left for the collector to find afterwards either.

The collector is left as it was found: an application that turned it off keeps it off,
and two threads in here at once leave it on (the second sees it off and leaves it).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block, if it was on."""
    enabled = gc.isenabled()
    if enabled:
        gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
