"""A parsed query checked against the catalogue: QBO's 4001 rules and typed values.

Parsing knows only syntax; this step knows what a Customer is. It resolves the entity and
every property to their canonical names (matching case-insensitively, the lenient choice:
Intuit does not document QBO as strict about property case), checks that WHERE uses
filterable properties and ORDERBY sortable ones, applies the paging defaults and limits,
and turns every literal into a typed Python value (:mod:`qbo.query.values`). The result
is what executors consume: the emulator's SQL compiler and :func:`qbo.query.evaluate`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from qbo.query.ast import Condition, Count, Op, OrderItem, Query, Star, StringValue
from qbo.query.parser import parse
from qbo.query.values import TEXT_KINDS, PyValue, is_id_like, to_python
from qbo.schema.catalogue import catalogue as load_catalogue
from qbo.schema.faults import Fault, FaultCode
from qbo.schema.types import EntityDef, EntityKind, FieldDef, Kind, Operation, TypeDef

DEFAULT_MAX_RESULTS = 100
MAX_RESULTS = 1000
DEFAULT_START_POSITION = 1

# Used only if a catalogue cannot name MetaData's type: every entity carries these two
# and QBO filters and sorts on them.
_METADATA_TIMES = {
    name: FieldDef(name, Kind.DATETIME, "dateTime", read_only=True, filterable=True, sortable=True)
    for name in ("CreateTime", "LastUpdatedTime")
}


class CatalogueLike(Protocol):
    """What validation needs of :class:`qbo.schema.catalogue.Catalogue`."""

    def find_entity(self, name: str) -> EntityDef | None: ...

    def type(self, name: str) -> TypeDef: ...


@dataclass(frozen=True, slots=True)
class Prop:
    """A resolved property: canonical dotted name, its path in a JSON row, its field."""

    name: str  # "DisplayName", "MetaData.LastUpdatedTime"
    path: tuple[str, ...]  # ("MetaData", "LastUpdatedTime")
    field: FieldDef


@dataclass(frozen=True, slots=True)
class Filter:
    """One WHERE term with its value(s) typed by the property's kind.

    ``value`` is a tuple exactly for IN; for LIKE it is the pattern (a str).
    """

    prop: Prop
    op: Op
    value: PyValue | tuple[PyValue, ...]


@dataclass(frozen=True, slots=True)
class Sort:
    prop: Prop
    descending: bool = False


@dataclass(frozen=True, slots=True)
class ValidatedQuery:
    """A query an executor can run as is: canonical names, typed values, paging settled."""

    query: Query
    entity: EntityDef = field(compare=False, repr=False)
    entity_name: str  # canonical, e.g. "Customer"
    select: Star | Count | tuple[Prop, ...]
    where: tuple[Filter, ...]
    order_by: tuple[Sort, ...]
    start_position: int  # 1-based
    max_results: int

    @property
    def is_count(self) -> bool:
        return isinstance(self.select, Count)

    def filters_on(self, name: str) -> bool:
        """Whether WHERE mentions the property (canonical name)."""
        return any(f.prop.name == name for f in self.where)


def validation_fault(message: str) -> Fault:
    return Fault.of(FaultCode.QUERY_INVALID, f"QueryValidationError: {message}")


def validate(query: Query, catalogue: CatalogueLike | None = None) -> ValidatedQuery:
    """Check ``query`` against the catalogue (the process-wide one by default).

    Raises ``Fault`` 4001 for an unknown entity or property, a property not allowed where
    it is used, a value that cannot mean anything for its property, or bad paging.
    """
    if catalogue is None:
        catalogue = load_catalogue()
    entity = catalogue.find_entity(query.entity)
    if entity is None:
        raise validation_fault(f"entity '{query.entity}' is not found")
    if not entity.allows(Operation.QUERY):
        raise validation_fault(f"entity '{entity.name}' cannot be queried")

    select: Star | Count | tuple[Prop, ...]
    if isinstance(query.select, tuple):
        props: dict[str, Prop] = {}
        for name in query.select:
            prop = _require(entity, catalogue, name)
            props.setdefault(prop.name, prop)
        select = tuple(props.values())
    else:
        if isinstance(query.select, Star):
            for name in query.select.also:
                _require(entity, catalogue, name)
        select = query.select

    where = tuple(_filter(entity, catalogue, cond) for cond in query.where)
    order_by = tuple(_sort(entity, catalogue, item) for item in query.order_by)
    start, limit = _paging(query)
    return ValidatedQuery(query, entity, entity.name, select, where, order_by, start, limit)


def parse_and_validate(text: str, catalogue: CatalogueLike | None = None) -> ValidatedQuery:
    """:func:`~qbo.query.parser.parse` then :func:`validate`: 4000 or 4001 on failure."""
    return validate(parse(text), catalogue)


def needs_active_filter(validated: ValidatedQuery, entity_def: EntityDef | None = None) -> bool:
    """Whether QBO would add ``Active = true``: name lists hide inactive rows unless the
    query filters on Active itself (``Active IN (true, false)`` returns all)."""
    entity = entity_def if entity_def is not None else validated.entity
    return (
        entity.kind is EntityKind.NAME_LIST
        and "Active" in entity.fields
        and not validated.filters_on("Active")
    )


def resolve(entity: EntityDef, catalogue: CatalogueLike, name: str) -> Prop | None:
    """The property ``name`` (dotted for nested ones) of ``entity``, or None."""
    parts = name.split(".")
    type_def: TypeDef | None = entity.type
    path: list[str] = []
    found: FieldDef | None = None
    for index, part in enumerate(parts):
        if type_def is None:
            return None
        found = _field(type_def, part)
        if found is None:
            return None
        path.append(found.name)
        if index < len(parts) - 1:
            if found.kind is not Kind.OBJECT or found.many:
                return None
            type_def = _nested(catalogue, found.type_name)
            if type_def is None and found.name == "MetaData" and index == len(parts) - 2:
                builtin = _field_from(_METADATA_TIMES, parts[-1])
                if builtin is None:
                    return None
                return Prop(f"MetaData.{builtin.name}", ("MetaData", builtin.name), builtin)
    assert found is not None
    return Prop(".".join(path), tuple(path), found)


def _field(type_def: TypeDef, name: str) -> FieldDef | None:
    return _field_from(type_def.fields, name)


def _field_from(fields: Mapping[str, FieldDef], name: str) -> FieldDef | None:
    exact = fields.get(name)
    if exact is not None:
        return exact
    lowered = name.lower()
    for key, candidate in fields.items():
        if key.lower() == lowered:
            return candidate
    return None


def _nested(catalogue: CatalogueLike, type_name: str) -> TypeDef | None:
    try:
        return catalogue.type(type_name)
    except KeyError:
        return None


def _require(entity: EntityDef, catalogue: CatalogueLike, name: str) -> Prop:
    prop = resolve(entity, catalogue, name)
    if prop is None:
        raise validation_fault(f"Property {name} not found for Entity {entity.name}")
    return prop


def _filter(entity: EntityDef, catalogue: CatalogueLike, cond: Condition) -> Filter:
    prop = _require(entity, catalogue, cond.prop)
    if not prop.field.filterable:
        raise validation_fault(f"property '{prop.name}' is not queryable")
    if cond.op is Op.LIKE:
        # Ids and SyncToken are numbers in all but spelling (they compare numerically),
        # so, like references, they take no LIKE: 4001 rather than a silent empty answer.
        if prop.field.kind not in TEXT_KINDS or is_id_like(prop.field):
            raise validation_fault(f"LIKE needs a string property; '{prop.name}' is not one")
        if not isinstance(cond.value, StringValue):
            raise validation_fault(f"LIKE needs a quoted pattern for property '{prop.name}'")
        return Filter(prop, cond.op, cond.value.text)
    if isinstance(cond.value, tuple):
        values = tuple(to_python(v, prop.field, prop.name) for v in cond.value)
        return Filter(prop, cond.op, values)
    return Filter(prop, cond.op, to_python(cond.value, prop.field, prop.name))


def _sort(entity: EntityDef, catalogue: CatalogueLike, item: OrderItem) -> Sort:
    prop = _require(entity, catalogue, item.prop)
    if not prop.field.sortable:
        raise validation_fault(f"property '{prop.name}' is not sortable")
    return Sort(prop, item.descending)


def _paging(query: Query) -> tuple[int, int]:
    start = query.start_position
    limit = query.max_results
    if start is None:
        start = DEFAULT_START_POSITION
    elif start < 1:
        raise validation_fault(f"STARTPOSITION must be a positive integer, got {start}")
    if limit is None:
        limit = DEFAULT_MAX_RESULTS
    elif limit < 1 or limit > MAX_RESULTS:
        raise validation_fault(f"MAXRESULTS must be between 1 and {MAX_RESULTS}, got {limit}")
    return start, limit
