"""QBO's request limits, enforced on real time.

Limits, as Intuit documents them:

- 500 requests per minute per realm (every batch item counts as one request);
- 10 requests per second per realm and app;
- 10 concurrent requests per realm and app;
- 40 batch requests per minute per realm and app, 120 per realm.

Windows are *sliding* (a log of recent requests), so a client that waits for a full
window always gets through again and a burst at a window boundary cannot double the rate.
A request refused with 429 is not counted: it did not run, and counting it would punish a
client that backs off for the retries it makes. The windows run on real (monotonic) time,
never on the emulator clock: throttling protects the process, not the books, and tests
scale it down with ``window_scale`` instead of moving a clock.

This module is pure logic (no HTTP); ``http/conditions.py`` applies it.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

#: The Detail of QBO's 3001 fault, spelled as the gateway spells it (two spaces).
THROTTLE_DETAIL = "The request limit was reached.  Try again later"

MINUTE = 60.0
SECOND = 1.0


class LimitsError(ValueError):
    """A limits specification that cannot be used (message says why)."""


@dataclass(frozen=True)
class ThrottleLimits:
    """How many requests fit in each window; ``window_scale`` shrinks or stretches windows.

    ``window_scale=0.5`` makes the minute 30 s and the second 0.5 s, so tests can exercise
    every limit in well under a second of real time.
    """

    per_minute: int = 500  # per realm; a batch counts once per item
    per_second: int = 10  # per realm and app; a batch counts once
    concurrent: int = 10  # per realm and app, requests in flight
    batch_per_minute: int = 40  # per realm and app
    batch_per_minute_realm: int = 120  # per realm
    window_scale: float = 1.0

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def merged(self, values: Mapping[str, Any]) -> ThrottleLimits:
        """A copy with ``values`` applied; LimitsError names a bad key or value."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise LimitsError(
                f"unknown limit(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
        changes: dict[str, Any] = {}
        for key, value in values.items():
            if key == "window_scale":
                changes[key] = _positive_float(key, value)
            else:
                changes[key] = _positive_int(key, value)
        return replace(self, **changes)


def _positive_int(key: str, value: Any) -> int:
    if isinstance(value, bool):
        raise LimitsError(f"{key} must be a positive integer")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise LimitsError(f"{key} must be a positive integer (got {value!r})") from None
    if number < 1:
        raise LimitsError(f"{key} must be a positive integer (got {number})")
    return number


def _positive_float(key: str, value: Any) -> float:
    if isinstance(value, bool):
        raise LimitsError(f"{key} must be a positive number")
    try:
        number = float(str(value).strip())
    except ValueError:
        raise LimitsError(f"{key} must be a positive number (got {value!r})") from None
    if not math.isfinite(number) or number <= 0:
        raise LimitsError(f"{key} must be a positive number (got {value!r})")
    return number


def parse_limits(text: str, base: ThrottleLimits | None = None) -> ThrottleLimits:
    """``per_minute=500,per_second=10,window_scale=0.5`` (the CLI's ``--limits``)."""
    values: dict[str, str] = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep:
            raise LimitsError(f"expected key=value, got {part.strip()!r}")
        values[key.strip()] = value.strip()
    return (base or ThrottleLimits()).merged(values)


@dataclass(frozen=True)
class ThrottleSettings:
    """Whether throttling is on, its limits, and how a 429 is written."""

    enabled: bool = False  # off for library and test use; `qbo emulator serve` turns it on
    limits: ThrottleLimits = ThrottleLimits()
    retry_after: float | None = None  # seconds; QBO sends no Retry-After, so none by default
    xml: bool = False  # answer 429 in XML, as real QBO sometimes does even to JSON clients

    def to_json(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "limits": self.limits.to_json(),
            "retry_after": self.retry_after,
            "xml": self.xml,
        }


class _Window:
    """A sliding log of (time, weight) with a running total."""

    __slots__ = ("events", "total")

    def __init__(self) -> None:
        self.events: deque[tuple[float, int]] = deque()
        self.total = 0

    def prune(self, now: float, span: float) -> None:
        horizon = now - span
        events = self.events
        while events and events[0][0] <= horizon:
            self.total -= events.popleft()[1]

    def add(self, now: float, weight: int) -> None:
        self.events.append((now, weight))
        self.total += weight


@dataclass(frozen=True)
class Admission:
    """A request let through; :meth:`release` ends its claim on the concurrency limit."""

    throttle: Throttle
    key: tuple[str, str]

    def release(self) -> None:
        self.throttle._release(self.key)


class Throttle:
    """Admission control for one server: sliding windows and concurrency counters."""

    def __init__(
        self, settings: ThrottleSettings, now: Callable[[], float] = time.monotonic
    ) -> None:
        self._lock = threading.Lock()
        self._now = now
        self._settings = settings
        self._windows: dict[tuple[str, str, str], _Window] = {}
        self._in_flight: dict[tuple[str, str], int] = {}
        self._checks = 0

    @property
    def settings(self) -> ThrottleSettings:
        return self._settings

    def configure(self, settings: ThrottleSettings, reset: bool = False) -> None:
        """New settings; new limits (or ``reset``) start every window afresh."""
        with self._lock:
            if reset or settings.limits != self._settings.limits:
                self._windows.clear()
            self._settings = settings

    def admit(self, realm: str, app: str, weight: int = 1, batch: bool = False) -> Admission | str:
        """An Admission, or the name of the limit the request would break.

        ``weight`` is how many requests the call counts as against the per-minute realm
        limit (a batch's item count); every other limit counts the HTTP request once.
        """
        limits = self._settings.limits
        minute = MINUTE * limits.window_scale
        second = SECOND * limits.window_scale
        checks: list[tuple[tuple[str, str, str], float, int, int, str]] = [
            ((realm, "", "minute"), minute, limits.per_minute, weight, "per_minute"),
            ((realm, app, "second"), second, limits.per_second, 1, "per_second"),
        ]
        if batch:
            checks.append(
                ((realm, app, "batch"), minute, limits.batch_per_minute, 1, "batch_per_minute")
            )
            checks.append(
                (
                    (realm, "", "batch"),
                    minute,
                    limits.batch_per_minute_realm,
                    1,
                    "batch_per_minute_realm",
                )
            )
        key = (realm, app)
        with self._lock:
            now = self._now()
            self._sweep(now, minute)
            if self._in_flight.get(key, 0) >= limits.concurrent:
                return "concurrent"
            windows: list[tuple[_Window, int]] = []
            for wkey, span, limit, cost, name in checks:
                window = self._windows.get(wkey)
                if window is None:
                    window = self._windows[wkey] = _Window()
                window.prune(now, span)
                if window.total + cost > limit:
                    return name
                windows.append((window, cost))
            for window, cost in windows:
                window.add(now, cost)
            self._in_flight[key] = self._in_flight.get(key, 0) + 1
        return Admission(self, key)

    def _release(self, key: tuple[str, str]) -> None:
        with self._lock:
            count = self._in_flight.get(key, 0) - 1
            if count > 0:
                self._in_flight[key] = count
            else:
                self._in_flight.pop(key, None)

    def _sweep(self, now: float, span: float) -> None:
        """Now and then drop windows that emptied, so idle realms and apps cost nothing."""
        self._checks += 1
        if self._checks % 1024:
            return
        for wkey in list(self._windows):
            window = self._windows[wkey]
            window.prune(now, span)
            if not window.events:
                del self._windows[wkey]
