"""Catalogue-driven validation and coercion of request bodies.

A request body is walked against the entity's type: unknown properties and values of the
wrong type get 2010 with a Detail naming the property, over-long strings 2050, enum values
outside the XSD's list 2010, a line with neither ``DetailType`` nor ``Amount``
(``{"Line": [{}]}``) 2020. Values come out normalised (Decimal money, ISO dates), so the
rules and the store never see raw client input. Read-only properties a client sends back
(it is common to post a whole object that was read) are dropped rather than rejected.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from qbo.emulator.values import tidy
from qbo.schema import EntityDef, FieldDef, Kind, TypeDef, catalogue
from qbo.schema.faults import Fault, FaultCode

#: Attributes every entity may carry besides its elements.
ENTITY_ATTRIBUTES = frozenset({"domain", "sparse", "status"})
#: The cap for strings whose QBO maximum is not known: QBO's longest text fields hold 4000.
DEFAULT_MAX_STRING = 4000
#: A line needs one of these (a payment's lines carry an Amount and no DetailType).
LINE_CORE = ("DetailType", "Amount")
#: Attributes of a reference object.
REF_KEYS = frozenset({"value", "name", "type"})
#: Characters no QBO text may hold: C0 controls other than tab, newline and carriage return
#: (QBO stores XML, which cannot carry them; PostgreSQL text cannot hold NUL) and lone
#: UTF-16 surrogates (``"\ud800"`` in JSON), which no database can encode.
#: Scalar kinds for which an empty string means "not given" (QBO accepts
#: ``"OpenBalanceDate": ""`` and ignores it; clients that serialise every attribute send it).
_NOT_TEXT = frozenset(
    {Kind.DATE, Kind.DATETIME, Kind.TIME, Kind.DECIMAL, Kind.INTEGER, Kind.BOOLEAN}
)
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def _printable(path: str) -> str:
    """A property path fit for a fault (client keys may hold any character and any length)."""
    path = _FORBIDDEN_TEXT.sub("?", path)
    return path if len(path) <= 200 else path[:197] + "..."


def _wrong_type(path: str, expected: str, value: Any) -> Fault:
    path = _printable(path)
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return Fault.of(
        FaultCode.INVALID_PROPERTY,
        f"Property Name:{path} specified is unsupported or invalid: expected {expected}, got {shown}",
        element=path,
    )


def _unknown_property(path: str) -> Fault:
    path = _printable(path)
    return Fault.of(
        FaultCode.INVALID_PROPERTY,
        f"Property Name:{path} specified is unsupported or invalid",
        element=path,
    )


def check_text(text: str, path: str) -> str:
    """``text`` when it may be stored; 2010 naming the property otherwise."""
    bad = _FORBIDDEN_TEXT.search(text)
    if bad is not None:
        raise Fault.of(
            FaultCode.INVALID_PROPERTY,
            f"Property Name:{path} specified is unsupported or invalid: character "
            f"U+{ord(bad.group()):04X} at position {bad.start()} is not allowed",
            element=path,
        )
    return text


def coerce_scalar(f: FieldDef, value: Any, path: str) -> Any:
    """One scalar value, normalised for its kind."""
    kind = f.kind
    if kind in (Kind.STRING, Kind.ENUM):
        if isinstance(value, (bool, dict, list)):
            raise _wrong_type(path, "a string", value)
        text = check_text(value if isinstance(value, str) else str(value), path)
        if kind is Kind.ENUM and f.enum_values and text not in f.enum_values:
            raise Fault.of(
                FaultCode.INVALID_PROPERTY,
                f"Property Name:{path} specified is unsupported or invalid: {text!r} is not one of "
                + ", ".join(f.enum_values),
                element=path,
            )
        limit = f.max_length if f.max_length is not None else DEFAULT_MAX_STRING
        if len(text) > limit:
            raise Fault.of(
                FaultCode.STRING_LENGTH,
                f"String length specified does not match the supported length. "
                f"Field:{path}, Max Length:{limit}, Actual Length:{len(text)}",
                element=path,
            )
        return text
    if kind in (Kind.DECIMAL, Kind.INTEGER):
        if isinstance(value, bool) or not isinstance(value, (int, Decimal, float, str)):
            raise _wrong_type(path, "a number", value)
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise _wrong_type(path, "a number", value) from None
        if not number.is_finite() or abs(number) >= Decimal("1e15"):
            raise _wrong_type(path, "a finite number", value)
        if kind is Kind.INTEGER:
            if number != number.to_integral_value():
                raise _wrong_type(path, "an integer", value)
            return int(number)
        return tidy(number)
    if kind is Kind.BOOLEAN:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise _wrong_type(path, "true or false", value)
    if kind is Kind.DATE:
        if not isinstance(value, str):
            raise _wrong_type(path, "a date (YYYY-MM-DD)", value)
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            raise _wrong_type(path, "a date (YYYY-MM-DD)", value) from None
    if kind is Kind.DATETIME:
        if not isinstance(value, str):
            raise _wrong_type(path, "a datetime", value)
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise _wrong_type(path, "an ISO 8601 datetime", value) from None
        return value
    if kind is Kind.TIME:
        if not isinstance(value, str):
            raise _wrong_type(path, "a time", value)
        try:
            time.fromisoformat(value)
        except ValueError:
            raise _wrong_type(path, "a time (HH:MM:SS)", value) from None
        return value
    raise _wrong_type(path, kind.value, value)  # pragma: no cover - every kind handled above


def coerce_ref(value: Any, path: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise _wrong_type(path, 'a reference object {"value": ...}', value)
    out: dict[str, str] = {}
    for key, item in value.items():
        if key not in REF_KEYS:
            raise _unknown_property(f"{path}.{key}")
        if item is None:
            continue
        if isinstance(item, (dict, list, bool)):
            raise _wrong_type(f"{path}.{key}", "a string", item)
        out[key] = check_text(str(item), f"{path}.{key}")
    if "value" not in out or not out["value"].strip():
        raise Fault.of(
            FaultCode.REQUIRED_MISSING,
            f"Required parameter {path}.value is missing in the request",
            element=f"{path}.value",
        )
    return out


def coerce_object(type_def: TypeDef, body: Any, path: str, *, top: bool = False) -> dict[str, Any]:
    """A nested object (or an entity body when ``top``), recursively."""
    if not isinstance(body, dict):
        raise _wrong_type(path or type_def.name, "an object", body)
    out: dict[str, Any] = {}
    for key, value in body.items():
        sub = f"{path}.{key}" if path else key
        if top and key in ENTITY_ATTRIBUTES:
            continue
        f = type_def.fields.get(key)
        if f is None:
            if key in type_def.ignored:
                continue  # declared by the XSD, ignored by QBO (e.g. a line's LineEx)
            raise _unknown_property(sub)
        if value is None or (value == "" and f.kind in _NOT_TEXT):
            continue  # QBO reads an empty date, number or flag as not given
        if value == {} and f.kind is Kind.REF:
            continue  # QBO answers unset refs as {} (TaxExemptionRef): sent back, not given
        if f.many:
            items = value if isinstance(value, list) else [value]
            out[key] = [
                coerce_value(f, item, f"{sub}[{i}]")
                for i, item in enumerate(items)
                if item is not None
            ]
        else:
            out[key] = coerce_value(f, value, sub)
    if "DetailType" in type_def.fields and not any(map(_present, map(out.get, LINE_CORE))):
        # A line says what kind it is, or (a payment's line) what amount it applies: with
        # neither there is nothing to post or show.
        where = f"{_printable(path)}.DetailType" if path else "DetailType"
        raise Fault.of(
            FaultCode.REQUIRED_MISSING,
            f"Required parameter {where} is missing in the request",
            element=where,
        )
    return out


def coerce_value(f: FieldDef, value: Any, path: str) -> Any:
    if f.kind is Kind.REF:
        return coerce_ref(value, path)
    if f.kind is Kind.OBJECT:
        return coerce_object(catalogue().type(f.type_name), value, path)
    return coerce_scalar(f, value, path)


def coerce_entity(entity: EntityDef, body: Any) -> dict[str, Any]:
    """Validate and normalise an entity body; read-only top-level fields are dropped."""
    doc = coerce_object(entity.type, body, "", top=True)
    for name in _read_only(entity):
        doc.pop(name, None)
    return doc


_READ_ONLY: dict[str, tuple[str, ...]] = {}


def _read_only(entity: EntityDef) -> tuple[str, ...]:
    """The entity's read-only top-level properties a body may not set (found once)."""
    found = _READ_ONLY.get(entity.name)
    if found is None:
        found = tuple(
            name
            for name, f in entity.fields.items()
            if f.read_only and name not in ("Id", "SyncToken")
        )
        _READ_ONLY[entity.name] = found
    return found


def check_required(entity: EntityDef, doc: dict[str, Any]) -> None:
    """Each group of alternatives needs at least one member present (2020 otherwise)."""
    for group in entity.required:
        if not any(_present(doc.get(name)) for name in group):
            raise Fault.of(
                FaultCode.REQUIRED_MISSING,
                f"Required parameter {' or '.join(group)} is missing in the request",
                element=group[0],
            )


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, str):
        return value.strip() != ""
    if isinstance(value, list):
        return len(value) > 0
    return True
