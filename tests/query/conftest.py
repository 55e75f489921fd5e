"""Fixtures for the query-language tests: a small hand-built catalogue and the real one.

The small catalogue pins every Kind and every filterable/sortable combination the
validator and evaluator distinguish, independently of what the XSD generator emits; the
real catalogue checks that the guide's queries work against what we ship.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from qbo.schema.catalogue import Catalogue, catalogue
from qbo.schema.types import EntityDef, EntityKind, FieldDef, Kind, Operation, TypeDef


def _f(
    name: str,
    kind: Kind,
    type_name: str = "",
    *,
    queryable: bool = False,
    filterable: bool = False,
    sortable: bool = False,
    many: bool = False,
    enum_values: tuple[str, ...] = (),
) -> FieldDef:
    return FieldDef(
        name,
        kind,
        type_name or kind.value,
        many=many,
        enum_values=enum_values,
        filterable=filterable or queryable,
        sortable=sortable or queryable,
    )


def _type(name: str, *fields: FieldDef) -> TypeDef:
    return TypeDef(name, None, MappingProxyType({f.name: f for f in fields}))


def _common() -> list[FieldDef]:
    return [
        _f("Id", Kind.STRING, "id", queryable=True),
        _f("SyncToken", Kind.STRING, queryable=True),
        _f("MetaData", Kind.OBJECT, "ModificationMetaData"),
    ]


def _entity(name: str, kind: EntityKind, fields: list[FieldDef], query: bool = True) -> EntityDef:
    ops = {Operation.READ, Operation.CREATE} | ({Operation.QUERY} if query else set())
    return EntityDef(
        name=name,
        type=_type(name, *fields),
        kind=kind,
        path=name.lower(),
        json_key=name,
        operations=frozenset(ops),
    )


def build_small_catalogue() -> Catalogue:
    metadata = _type(
        "ModificationMetaData",
        _f("CreateTime", Kind.DATETIME, "dateTime", queryable=True),
        _f("LastUpdatedTime", Kind.DATETIME, "dateTime", queryable=True),
        _f("LastModifiedByRef", Kind.REF, "ReferenceType"),
    )
    address = _type("PhysicalAddress", _f("City", Kind.STRING))
    customer = _entity(
        "Customer",
        EntityKind.NAME_LIST,
        [
            *_common(),
            _f("DisplayName", Kind.STRING, queryable=True),
            _f("Active", Kind.BOOLEAN, queryable=True),
            _f("Balance", Kind.DECIMAL, queryable=True),
            _f("Level", Kind.INTEGER, "int", queryable=True),
            _f("OpenBalanceDate", Kind.DATE, queryable=True),
            _f(
                "PreferredDeliveryMethod",
                Kind.ENUM,
                enum_values=("Print", "Email", "None"),
                queryable=True,
            ),
            _f("ParentRef", Kind.REF, "ReferenceType", queryable=True),
            _f("Notes", Kind.STRING, filterable=True, sortable=False),
            _f("Fax", Kind.STRING),  # neither filterable nor sortable
            _f("CallTime", Kind.TIME, queryable=True),
            _f("BillAddr", Kind.OBJECT, "PhysicalAddress"),
            _f("Tags", Kind.STRING, many=True),
        ],
    )
    invoice = _entity(
        "Invoice",
        EntityKind.TRANSACTION,
        [
            *_common(),
            _f("DocNumber", Kind.STRING, queryable=True),
            _f("TxnDate", Kind.DATE, queryable=True),
            _f("TotalAmt", Kind.DECIMAL, queryable=True),
            _f("Balance", Kind.DECIMAL, queryable=True),
            _f("CustomerRef", Kind.REF, "ReferenceType", queryable=True),
            _f("Line", Kind.OBJECT, "Line", many=True),
        ],
    )
    hidden = _entity("Hidden", EntityKind.OTHER, _common(), query=False)
    entities = {e.name: e for e in (customer, invoice, hidden)}
    types = {t.name: t for t in (metadata, address)} | {e.name: e.type for e in entities.values()}
    return Catalogue(entities, types)


@pytest.fixture(scope="session")
def small_catalogue() -> Catalogue:
    return build_small_catalogue()


@pytest.fixture(scope="session")
def real_catalogue() -> Catalogue:
    return catalogue()
