"""Query-column values: the remembered ones are the ones worked out afresh.

``column_value`` remembers what it made of repeated text, numbers, flags and references;
each answer must be what the evaluator's reading gives for that very value, whatever was
asked before (1 and 1.0 are equal numbers but different text).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from qbo.emulator.store.tables import column_value, encode
from qbo.query.evaluator import normalize_stored
from qbo.schema import catalogue

CASES: list[tuple[str, str, Any]] = [
    ("Invoice", "TotalAmt", Decimal("1")),
    ("Invoice", "TotalAmt", Decimal("1.0")),
    ("Invoice", "TotalAmt", 1),
    ("Invoice", "DocNumber", "1001"),
    ("Invoice", "DocNumber", "ABC-1"),
    ("Invoice", "DocNumber", Decimal("7")),
    ("Invoice", "DocNumber", Decimal("7.0")),
    ("Invoice", "TxnDate", "2025-01-03"),
    ("Invoice", "CustomerRef", {"value": "12", "name": "Acme"}),
    ("Invoice", "CustomerRef", {"value": "0012"}),
    ("Invoice", "CustomerRef", {}),
    ("Customer", "DisplayName", "Acme Ltd"),
    ("Customer", "DisplayName", "ACME LTD"),
    ("Customer", "Active", False),
    ("Customer", "Active", True),
    ("Customer", "Balance", Decimal("NaN")),
    ("Customer", "Balance", Decimal("12.50")),
]


@pytest.mark.parametrize("zone", ["UTC", "America/Los_Angeles"])
def test_remembered_values_are_fresh_values(zone: str) -> None:
    for _ in range(2):  # the second pass answers from what the first remembered
        for entity, prop, value in CASES:
            field = catalogue().entity(entity).fields[prop]
            default = True if prop == "Active" else None
            expected = encode(normalize_stored(value, field, ZoneInfo(zone), default))
            got = column_value(field, value, zone, default)
            assert got == expected and type(got) is type(expected), (entity, prop, value)
