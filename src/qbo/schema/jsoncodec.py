"""JSON that keeps money exact.

QBO sends amounts as JSON numbers (``257.5``), and a client must never round them through
binary floats. ``loads`` reads every number with a fraction or exponent as ``Decimal``
(integers stay ``int``); ``dumps`` writes ``Decimal`` back as a bare JSON number with the
same digits. Dates and datetimes become ISO strings and models their QBO form, so a dict
freshly built by the emulator can be written without a conversion pass.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

import simplejson

from qbo.schema.collector import paused

__all__ = ["Decimal", "JSONTooDeepError", "dumps", "loads"]


class JSONTooDeepError(ValueError):
    """JSON nested deeper than the parser can follow (``[[[[...]]]]``).

    The parser recurses once per level and the interpreter stops it with a RecursionError,
    which is not a ValueError: callers that refuse bad JSON with ``except ValueError``
    would let it escape (a 500, or a webhook inbox stuck on one delivery). Raised as a
    ValueError, it is refused like any other JSON that cannot be read.
    """


def _default(obj: Any) -> Any:
    """Encode what plain JSON lacks; anything else is a programming error."""
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, enum.Enum):
        return obj.value
    to_qbo = getattr(obj, "to_qbo", None)
    if callable(to_qbo):
        return to_qbo()
    if isinstance(obj, set | frozenset | tuple):
        return list(obj)
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")


def _encoder(indent: int | None, sort_keys: bool) -> simplejson.JSONEncoder:
    separators = (",", ": ") if indent is not None else (",", ":")
    return simplejson.JSONEncoder(
        use_decimal=True,
        default=_default,
        ensure_ascii=False,
        allow_nan=False,
        indent=indent,
        separators=separators,
        sort_keys=sort_keys,
    )


#: The compact encoder, built once: building one costs as much as encoding a small object,
#: and every answer of the emulator and every request body of the client is encoded here.
#: An encoder keeps no state between calls, so threads share it.
_COMPACT = _encoder(None, False)


def dumps(obj: Any, *, indent: int | None = None, sort_keys: bool = False) -> str:
    """Serialise ``obj`` with Decimals as exact JSON numbers (NaN/Infinity are refused)."""
    encoder = _COMPACT if indent is None and not sort_keys else _encoder(indent, sort_keys)
    return encoder.encode(obj)


def loads(text: str | bytes | bytearray) -> Any:
    """Parse JSON with fractional numbers as ``Decimal`` and integers as ``int``.

    Anything that is not JSON raises ValueError (:class:`JSONTooDeepError` for nesting
    too deep to follow).
    """
    if isinstance(text, bytes | bytearray):
        text = bytes(text).decode("utf-8")
    try:
        with paused():  # a JSON tree has no cycles: nothing to collect (``collector``)
            return simplejson.loads(text, use_decimal=True)
    except RecursionError:
        raise JSONTooDeepError("the JSON is nested too deeply to read") from None
