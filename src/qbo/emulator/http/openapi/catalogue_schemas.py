"""JSON Schema (2020-12, as OpenAPI 3.1 uses) for every type of the entity catalogue.

Each catalogue type becomes one component schema named like the type, so an entity's body
(``Customer``) and the nested types it uses (``PhysicalAddress``, ``Line``) are described
once and referenced everywhere. The schemas say what the catalogue knows: JSON types,
enums, lengths and which fields the server computes (``readOnly``). They leave
``additionalProperties`` open because QBO's answers carry keys the XSDs do not declare
(``CustomExtensions``, ``status`` of a deleted object); in a request an undeclared key
gets fault 2010, which the operation's description says.
"""

from __future__ import annotations

from typing import Any

from qbo.schema import Catalogue
from qbo.schema.types import FieldDef, Kind, TypeDef

Schema = dict[str, Any]

#: Scalar kinds and their JSON Schema; money and quantities are JSON numbers on the wire.
_SCALARS: dict[Kind, Schema] = {
    Kind.STRING: {"type": "string"},
    Kind.DECIMAL: {"type": "number"},
    Kind.INTEGER: {"type": "integer"},
    Kind.BOOLEAN: {"type": "boolean"},
    Kind.DATE: {"type": "string", "format": "date"},
    Kind.DATETIME: {"type": "string", "format": "date-time"},
    Kind.TIME: {"type": "string"},
}


def ref(name: str) -> Schema:
    """A reference to the component schema ``name``."""
    return {"$ref": f"#/components/schemas/{name}"}


def _value_schema(f: FieldDef) -> Schema:
    """The schema of one value of a field (an array's item when the field repeats)."""
    if f.kind is Kind.ENUM:
        return {"type": "string", "enum": list(f.enum_values)}
    if f.kind is Kind.REF:
        return ref("ReferenceType")
    if f.kind is Kind.OBJECT:
        return ref(f.type_name)
    schema = dict(_SCALARS[f.kind])
    if f.max_length is not None:
        schema["maxLength"] = f.max_length
    return schema


def field_schema(f: FieldDef) -> Schema:
    """A field's schema: its value, or an array of values, marked read-only when computed."""
    value = _value_schema(f)
    schema: Schema = {"type": "array", "items": value} if f.many else value
    if f.read_only:
        schema = {**schema, "readOnly": True}
    return schema


def type_schema(t: TypeDef) -> Schema:
    """One catalogue type as an object schema (inherited fields are already flattened in)."""
    schema: Schema = {
        "type": "object",
        "properties": {name: field_schema(f) for name, f in t.fields.items()},
    }
    if t.base:
        schema["description"] = f"Extends {t.base} (its fields are included)."
    return schema


def catalogue_schemas(cat: Catalogue) -> dict[str, Schema]:
    """Every catalogue type by name, entity bodies included."""
    return {name: type_schema(t) for name, t in sorted(cat.types.items())}
