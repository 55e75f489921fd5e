"""Response-time profiles: ``none`` (answer at once) and ``realistic`` (QBO's pacing).

Against the real service a sequential client spends a few hundred milliseconds per call,
so it rarely meets the 10-per-second limit; against a local emulator it meets it at once.
The ``realistic`` profile restores that pacing, drawing each delay uniformly from a range
typical of QBO for the kind of request:

=========  ==============  ==========================================================
kind       delay           requests
=========  ==============  ==========================================================
read       150 - 300 ms    GET of one entity, companyinfo, preferences, exchangerate
query      200 - 500 ms    ``/query``, ``/cdc``, ``/reports/...``
write      300 - 600 ms    every other POST (create, update, delete, void, send, upload)
batch      400 - 1000 ms   ``POST /batch``
=========  ==============  ==========================================================

The figures are our estimate of typical QBO response times, not a figure Intuit
publishes. Jitter comes from a ``random.Random`` seeded with the
configured seed, so a run with the same seed and the same request sequence sleeps the
same amounts.
"""

from __future__ import annotations

import random
import threading
from typing import Any

PROFILES: dict[str, dict[str, tuple[float, float]]] = {
    "none": {},
    "realistic": {
        "read": (0.150, 0.300),
        "query": (0.200, 0.500),
        "write": (0.300, 0.600),
        "batch": (0.400, 1.000),
    },
}

QUERY_RESOURCES = frozenset({"query", "cdc", "reports"})


def request_kind(method: str, api_path: str) -> str:
    """read, query, write or batch, from the method and the path after ``/company/{id}/``."""
    first = api_path.strip("/").split("/", 1)[0].lower()
    if first in QUERY_RESOURCES:
        return "query"
    if method.upper() == "POST":
        return "batch" if first == "batch" else "write"
    return "read"


class Latency:
    """The active profile and its seeded random source (thread-safe)."""

    def __init__(self, profile: str = "none", seed: int = 0) -> None:
        self._lock = threading.Lock()
        self.profile = "none"
        self.seed = 0
        self._rng = random.Random(0)
        #: Delays handed out so far (count, seconds): what tests observe instead of timing
        #: requests, which a loaded machine slows by any amount.
        self.delays_given = 0
        self.seconds_given = 0.0
        self.configure(profile, seed)

    def configure(self, profile: str, seed: int | None = None) -> None:
        """Switch profile (ValueError for an unknown one); a seed restarts the sequence."""
        if profile not in PROFILES:
            raise ValueError(f"unknown latency profile {profile!r}: use {' or '.join(PROFILES)}")
        with self._lock:
            self.profile = profile
            if seed is not None:
                self.seed = seed
                self._rng = random.Random(seed)

    def delay(self, kind: str) -> float:
        """Seconds to wait before answering a request of this kind (0 under ``none``)."""
        span = PROFILES[self.profile].get(kind)
        if span is None:
            return 0.0
        low, high = span
        with self._lock:
            seconds = self._rng.uniform(low, high)
            self.delays_given += 1
            self.seconds_given += seconds
            return seconds

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "seed": self.seed,
            "ranges_ms": {
                kind: [round(low * 1000), round(high * 1000)]
                for kind, (low, high) in PROFILES[self.profile].items()
            },
        }
