"""Compare an answer's shape with a recorded one: keys (recursively) and JSON types.

A recorded object's keys must all be in the answer with the same JSON type; ``$absent``
names keys that must not be there; ``$exact`` demands the answer's key set equal the
recorded one. Arrays are compared item by item and must have as many items. Values
themselves are not compared (ids, names and times differ from any recording).
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

RECORDED = Path(__file__).parent / "recorded"
MARKERS = ("$absent", "$exact")


def recorded(name: str) -> Any:
    return json.loads((RECORDED / f"{name}.json").read_text())


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    raise TypeError(f"not a JSON value: {value!r}")


def differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every place ``actual`` differs in shape from ``expected`` (empty: same shape)."""
    if json_type(expected) != json_type(actual):
        return [f"{path}: {json_type(actual)}, recorded {json_type(expected)}"]
    if isinstance(expected, list):
        if len(expected) != len(actual):
            return [f"{path}: {len(actual)} items, recorded {len(expected)}"]
        found: list[str] = []
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            found.extend(differences(want, got, f"{path}[{index}]"))
        return found
    if not isinstance(expected, dict):
        return []
    keys = {k for k in expected if k not in MARKERS}
    found = [f"{path}.{k}: missing" for k in sorted(keys - set(actual))]
    found += [
        f"{path}.{k}: present, recorded absent" for k in expected.get("$absent", ()) if k in actual
    ]
    if expected.get("$exact"):
        found += [f"{path}.{k}: not in the recorded answer" for k in sorted(set(actual) - keys)]
    for key in sorted(keys & set(actual)):
        found.extend(differences(expected[key], actual[key], f"{path}.{key}"))
    return found
