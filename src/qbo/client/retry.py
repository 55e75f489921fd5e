"""When to retry a request and how long to wait: pure decisions, shared by both clients.

Retried: connection failures, resets and timeouts, and HTTP 429, 500, 502, 503 and 504.
Never retried: validation faults (4xx other than 429), authentication and authorization
failures (the auth layer refreshes a token once on its own), and anything the caller
could only repeat into the same answer.

Waits use exponential backoff with *full jitter* (a uniform draw between 0 and the capped
exponential), from a ``random.Random`` the caller may seed so tests are exact. A 429 that
carries ``Retry-After`` waits that long (up to ``retry_after_cap``); a 3001 without one
waits ``throttle_wait`` seconds, which defaults to the 60 s Intuit advises.

Writes are safe to retry because every write carries one ``requestid`` for all its
attempts (QBO answers a repeated id with the first response instead of acting twice).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from qbo.client.errors import QBOError, RateLimitError, ServiceError, TransportError
from qbo.schema.faults import FaultCode

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How persistent the client is. ``RetryPolicy(max_attempts=1)`` turns retries off."""

    max_attempts: int = 6  # attempts in all, the first one included
    backoff_base: float = 0.5  # seconds; attempt n waits up to base * 2**(n-1)
    backoff_max: float = 30.0  # cap of one backoff wait
    retry_after_cap: float = 120.0  # longest Retry-After honoured
    throttle_wait: float = 60.0  # 429 without Retry-After (Intuit: "wait 60 seconds")
    statuses: frozenset[int] = field(default=RETRY_STATUSES)
    seed: int | None = None  # seeds the jitter; None: unpredictable

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        for name in ("backoff_base", "backoff_max", "retry_after_cap", "throttle_wait"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} cannot be negative")

    def rng(self) -> random.Random:
        """A new random source for one client (seeded when ``seed`` is set)."""
        return random.Random(self.seed)

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full-jitter wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * (2 ** max(0, attempt - 1)))
        return rng.uniform(0.0, ceiling)

    def is_retryable(self, error: QBOError) -> bool:
        """Whether an error is of a kind worth another attempt."""
        if isinstance(error, TransportError):
            return True
        status = error.status_code
        if isinstance(error, RateLimitError):
            return status is None or status in self.statuses or error.code == FaultCode.THROTTLED
        if isinstance(error, ServiceError):
            return status is None or status in self.statuses
        return False

    def delay(self, error: QBOError, attempt: int, rng: random.Random) -> float | None:
        """Seconds to wait before the next attempt, or None when the error is final."""
        if attempt >= self.max_attempts or not self.is_retryable(error):
            return None
        if error.retry_after is not None:
            return min(error.retry_after, self.retry_after_cap)
        if isinstance(error, RateLimitError):
            return self.throttle_wait
        return self.backoff(attempt, rng)
