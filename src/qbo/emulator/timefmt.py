"""Timestamps written the way QBO writes them: in the company's zone and offset.

MetaData times have no fractional seconds (``2026-02-10T09:02:11-08:00``); the ``time``
field of a response has milliseconds. The offset follows the zone's daylight saving rules
at that instant.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from functools import cache
from zoneinfo import ZoneInfo


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def meta_time(at: datetime, tz: str) -> str:
    """MetaData.CreateTime / LastUpdatedTime format."""
    return at.astimezone(zone(tz)).replace(microsecond=0).isoformat()


def response_time(at: datetime, tz: str) -> str:
    """The ``time`` field of every response body (milliseconds, company offset)."""
    return at.astimezone(zone(tz)).isoformat(timespec="milliseconds")


def local_date(at: datetime, tz: str) -> date:
    """The company's calendar date at an instant (TxnDate defaults to it)."""
    return at.astimezone(zone(tz)).date()


def parse_instant(text: str, tz: str) -> datetime:
    """An ISO date or datetime; without an offset it is read in the company's zone."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=zone(tz))
    return value.astimezone(UTC)


def epoch_ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)
