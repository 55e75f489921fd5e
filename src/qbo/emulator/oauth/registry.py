"""State attached to one :class:`Emulator` object without changing its class.

The OAuth server and the request counters belong to an emulator for as long as it lives.
``Emulator`` is a dataclass with value equality (so it cannot key a dict or a weak
dictionary); this registry keys by identity and forgets an entry when its emulator is
garbage-collected.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from qbo.emulator.core import Emulator

T = TypeVar("T")

_lock = threading.RLock()
_entries: dict[tuple[int, str], tuple[weakref.ref[Emulator], Any]] = {}


def _forget(key: tuple[int, str]) -> None:
    with _lock:
        _entries.pop(key, None)


def attached(emulator: Emulator, kind: str, factory: Callable[[], T]) -> T:
    """The ``kind`` object of this emulator, made by ``factory`` on first use."""
    key = (id(emulator), kind)
    entry = _entries.get(key)
    if entry is not None and entry[0]() is emulator:
        value: T = entry[1]
        return value
    with _lock:
        entry = _entries.get(key)
        if entry is not None and entry[0]() is emulator:
            value = entry[1]
            return value
        value = factory()
        _entries[key] = (weakref.ref(emulator), value)
        weakref.finalize(emulator, _forget, key)
        return value
