"""Request counters per emulator, so tests can prove how many calls a client made.

In memory and thread-safe; ``GET /_emulator/stats`` shows them and
``POST /_emulator/stats/reset`` zeroes them. Counted: the OAuth endpoints by name and the
/v3 API by realm.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Protocol

#: Endpoint names as they appear in the stats document.
ENDPOINTS = ("authorize", "token", "revoke", "userinfo", "jwks", "discovery")


class Stats:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._endpoints: Counter[str] = Counter()
        self._grants: Counter[str] = Counter()
        self._api: Counter[str] = Counter()

    def count(self, endpoint: str, grant_type: str | None = None) -> None:
        with self._lock:
            self._endpoints[endpoint] += 1
            if grant_type is not None:
                self._grants[grant_type] += 1

    def count_api(self, realm_id: str) -> None:
        with self._lock:
            self._api[realm_id] += 1

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {
                **{name: self._endpoints[name] for name in ENDPOINTS},
                "token_by_grant_type": dict(sorted(self._grants.items())),
                "api": dict(sorted(self._api.items())),
                "api_total": sum(self._api.values()),
            }

    def reset(self) -> None:
        with self._lock:
            self._endpoints.clear()
            self._grants.clear()
            self._api.clear()


class HasStats(Protocol):
    """An emulator (``qbo.emulator.core.Emulator`` owns its counters)."""

    @property
    def stats(self) -> Stats: ...


def stats_for(emulator: HasStats) -> Stats:
    return emulator.stats


def count_api(emulator: HasStats, realm_id: str) -> None:
    """Count one /v3 request for a realm (called by ``http/api.py``)."""
    emulator.stats.count_api(realm_id)
