"""The loaded entity catalogue: generated XSD shapes merged with the hand-kept overlay.

``catalogue.json`` (written by ``tools/gen_catalogue.py``) says what each type looks like;
``overlay`` says how QBO's REST API treats it. Merging happens once per process
(:func:`catalogue` is cached) and yields frozen dataclasses that every layer shares.

Merge rules:
* ``read_only``: ``overlay.COMMON_READ_ONLY`` plus the entity's own list, on entity fields;
* ``max_length``: the entity's ``max_lengths`` over ``COMMON_MAX_LENGTHS`` for string
  fields of the entity; ``TYPE_MAX_LENGTHS`` for nested types;
* ``filterable``/``sortable``: top-level scalar, enum and ref fields of
  an entity unless the overlay says otherwise; lists and nested objects are not, except
  ``MetaData``'s ``CreateTime``/``LastUpdatedTime`` which are marked on
  ``ModificationMetaData`` itself (the query code resolves the dotted path).
Nested types are shared by many entities, so entity-specific facts live on the entity's
own ``TypeDef`` (a copy of the XSD type with the entity's facts applied).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from types import MappingProxyType
from typing import Any

from qbo.schema import overlay
from qbo.schema.types import EntityDef, FieldDef, Kind, TypeDef

_QUERYABLE_KINDS = frozenset(
    {
        Kind.STRING,
        Kind.DECIMAL,
        Kind.INTEGER,
        Kind.BOOLEAN,
        Kind.DATE,
        Kind.DATETIME,
        Kind.TIME,
        Kind.ENUM,
        Kind.REF,
    }
)


class Catalogue:
    """Every REST entity and every complex type they use, by name."""

    def __init__(self, entities: Mapping[str, EntityDef], types: Mapping[str, TypeDef]) -> None:
        self.entities: Mapping[str, EntityDef] = MappingProxyType(dict(entities))
        self.types: Mapping[str, TypeDef] = MappingProxyType(dict(types))
        self._by_lower = {name.lower(): e for name, e in self.entities.items()}
        self._by_path = {e.path.lower(): e for e in self.entities.values()}

    def entity(self, name: str) -> EntityDef:
        """The entity with exactly this name; KeyError when unknown."""
        return self.entities[name]

    def find_entity(self, name: str) -> EntityDef | None:
        """Case-insensitive lookup, as the query language's FROM clause needs."""
        return self._by_lower.get(name.lower())

    def entity_by_path(self, path: str) -> EntityDef | None:
        """The entity served at a URL segment (``creditcardpayment``), case-insensitive."""
        return self._by_path.get(path.strip("/").lower())

    def type(self, name: str) -> TypeDef:
        """A complex type by name; KeyError when unknown."""
        return self.types[name]


def _load_document() -> dict[str, Any]:
    text = resources.files("qbo.schema").joinpath("catalogue.json").read_text(encoding="utf-8")
    doc: dict[str, Any] = json.loads(text)
    return doc


def _field(raw: Mapping[str, Any], enums: Mapping[str, list[str]], **facts: Any) -> FieldDef:
    kind = Kind(raw["kind"])
    values = tuple(enums.get(raw["type"], ())) if kind is Kind.ENUM else ()
    return FieldDef(
        name=raw["name"],
        kind=kind,
        type_name=raw["type"],
        many=bool(raw["many"]),
        min_occurs=int(raw["min"]),
        enum_values=values,
        declared_in=raw["declared_in"],
        **facts,
    )


def _type_def(name: str, raw: Mapping[str, Any], fields: dict[str, FieldDef]) -> TypeDef:
    """A type from its catalogue record and its resolved fields; the keys it ignores are
    the XSD's elements the catalogue leaves out plus those only QBO's answers carry."""
    return TypeDef(
        name=name,
        base=raw["base"],
        fields=MappingProxyType(fields),
        abstract=bool(raw["abstract"]),
        ignored=frozenset(raw.get("ignored", ())) | overlay.OUTPUT_ONLY.get(name, frozenset()),
    )


def _nested_type(name: str, raw: Mapping[str, Any], enums: Mapping[str, list[str]]) -> TypeDef:
    lengths = overlay.TYPE_MAX_LENGTHS.get(name, {})
    metadata = name == "ModificationMetaData"
    fields: dict[str, FieldDef] = {}
    for f in raw["fields"]:
        queryable = metadata and f["name"] in overlay.METADATA_QUERYABLE
        fields[f["name"]] = _field(
            f,
            enums,
            max_length=lengths.get(f["name"]),
            read_only=metadata,
            filterable=queryable,
            sortable=queryable,
        )
    return _type_def(name, raw, fields)


def _entity(name: str, raw: Mapping[str, Any], enums: Mapping[str, list[str]]) -> EntityDef:
    facts = overlay.ENTITIES[name]
    read_only = overlay.COMMON_READ_ONLY | facts.read_only
    lengths = {**overlay.COMMON_MAX_LENGTHS, **facts.max_lengths}
    fields: dict[str, FieldDef] = {}
    for f in raw["fields"]:
        kind = Kind(f["kind"])
        queryable = (
            kind in _QUERYABLE_KINDS
            and not f["many"]
            and f["name"] not in facts.not_filterable
            and f["name"] not in ("domain", "sparse", "status")
        )
        fields[f["name"]] = _field(
            f,
            enums,
            max_length=lengths.get(f["name"]) if kind is Kind.STRING else None,
            read_only=f["name"] in read_only,
            filterable=queryable,
            sortable=queryable,
        )
    type_def = _type_def(name, raw, fields)
    max_lengths = {n: f.max_length for n, f in fields.items() if f.max_length is not None}
    return EntityDef(
        name=name,
        type=type_def,
        kind=facts.kind,
        path=overlay.path_of(name),
        json_key=overlay.json_key_of(name),
        operations=facts.operations,
        required=facts.required,
        cdc=facts.cdc,
        indexed=tuple(n for n in facts.indexed if n in fields),
        max_lengths=MappingProxyType(max_lengths),
        create_path=facts.create_path,
    )


def build(doc: Mapping[str, Any]) -> Catalogue:
    """Merge a catalogue document with the overlay (exposed for tests and tools)."""
    enums: Mapping[str, list[str]] = doc["enums"]
    types = {name: _nested_type(name, raw, enums) for name, raw in doc["types"].items()}
    entities = {name: _entity(name, doc["types"][name], enums) for name in overlay.ENTITIES}
    for name, entity in entities.items():
        types[name] = entity.type  # the entity's body carries the entity's facts
    return Catalogue(entities, types)


@functools.cache
def catalogue() -> Catalogue:
    """The process-wide catalogue, loaded on first use."""
    return build(_load_document())
