"""QBO's instants: ISO 8601 text with an offset (``2026-01-05T10:00:00-08:00``, or ``Z``).

Webhook events, CDC tombstones and every object's ``MetaData.LastUpdatedTime`` carry
them; each reader orders or compares them, so each needs an aware ``datetime`` and a
clear "unknown" for text that is missing or not an instant.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def parse_instant(value: Any) -> datetime | None:
    """An aware datetime from QBO's ISO text; None when absent, unreadable or naive."""
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else None
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None
