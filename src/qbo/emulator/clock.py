"""The emulator clock: business time that tests can move instead of waiting.

Everything that depends on business time (MetaData timestamps, token lifetimes, CDC
windows, aging) reads :meth:`Clock.now`. The clock follows real time plus an offset, so
``advance`` and ``set`` shift it without freezing it. Throttling deliberately uses real
time instead (it protects the process, not the books).
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta


class Clock:
    """Real time shifted by an adjustable offset; thread-safe."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._offset = timedelta(0)
        if start is not None:
            self.set(start)

    @staticmethod
    def _real_now() -> datetime:
        return datetime.now(UTC)

    def now(self) -> datetime:
        """The current business time, timezone-aware (UTC)."""
        with self._lock:
            return self._real_now() + self._offset

    def advance(self, seconds: float) -> datetime:
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += timedelta(seconds=seconds)
            return self._real_now() + self._offset

    def reset(self) -> datetime:
        """Back to real time (between tests that moved the clock)."""
        with self._lock:
            self._offset = timedelta(0)
            return self._real_now()

    def set(self, when: datetime) -> datetime:
        if when.tzinfo is None:
            raise ValueError("set the clock with a timezone-aware datetime")
        with self._lock:
            self._offset = when.astimezone(UTC) - self._real_now()
            return when.astimezone(UTC)
