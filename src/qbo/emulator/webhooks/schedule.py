"""When a failed webhook delivery is tried again.

QBO retries after about 10 s, 20 s, 30 s, 5 min, 20 min, 2 h, 4 h and 6 h, then every 6 h
, for a bounded number of attempts; Intuit does not publish the bound,
so it is configuration (``webhook_max_attempts``, 12 by default: the first attempt and 11
retries, about 32 hours in all). ``factor`` scales every delay (0.01 turns 10 s into 0.1 s),
so tests can run the real schedule quickly.
"""

from __future__ import annotations

#: Seconds to wait after the first, second, ... failed attempt.
RETRY_DELAYS: tuple[float, ...] = (10, 20, 30, 300, 1200, 7200, 14400, 21600)
#: The delay after every later failure.
LATER_DELAY = 21600.0


def retry_delay(failed_attempts: int, factor: float = 1.0) -> float:
    """Seconds until the next attempt after ``failed_attempts`` (1 or more) failures."""
    if failed_attempts < 1:
        raise ValueError("failed_attempts counts from 1")
    index = failed_attempts - 1
    base = RETRY_DELAYS[index] if index < len(RETRY_DELAYS) else LATER_DELAY
    return base * factor
