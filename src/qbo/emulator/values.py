"""Small value helpers shared by the domain rules."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

ZERO = Decimal(0)
CENT = Decimal("0.01")


def tidy(value: Decimal) -> Decimal:
    """The shortest exact form (``100.00`` -> ``100``, ``257.50`` -> ``257.5``), as QBO writes."""
    if value == value.to_integral_value():
        return value.quantize(Decimal(1))
    return value.normalize()


def money(value: Decimal) -> Decimal:
    """Round half up to cents, then tidy."""
    return tidy(value.quantize(CENT, rounding="ROUND_HALF_UP"))


def dec(value: Any, default: Decimal = ZERO) -> Decimal:
    """A Decimal from a validated document value (already Decimal or int), or the default."""
    if value is None:
        return default
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value))


def ref_id(value: Any) -> str | None:
    """The id inside a reference object, or None."""
    if isinstance(value, dict):
        v = value.get("value")
        return None if v is None else str(v)
    return None
