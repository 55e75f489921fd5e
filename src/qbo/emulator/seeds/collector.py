"""Python's cycle collector paused while a seed runs.

A seed keeps every document it writes (the session's cache, the ledger's staged balances):
tens of thousands of dicts, all alive until the transaction ends. Each time the collector
runs a full pass it walks all of them again, which cost a third of a ``large:20000``
seeding. They are freed by reference counting (a seed makes no cyclic garbage worth
collecting early), so the collector waits until the last seed running in the process ends.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_running = 0
_paused_by_us = False


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause automatic cycle collection for the block (seeds in several threads nest)."""
    global _running, _paused_by_us
    with _lock:
        _running += 1
        if _running == 1 and gc.isenabled():
            gc.disable()
            _paused_by_us = True
    try:
        yield
    finally:
        with _lock:
            _running -= 1
            if _running == 0 and _paused_by_us:
                gc.enable()
                _paused_by_us = False
