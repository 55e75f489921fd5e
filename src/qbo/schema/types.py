"""The shapes of the entity catalogue.

These dataclasses are the contract between the XSD generator (which writes the catalogue
data), the hand-kept overlay (which adds what the XSDs do not say) and every consumer:
the query language, the emulator, the client and the sync engine. They are frozen so a
loaded catalogue can be shared freely between threads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a field holds, as far as JSON and the query language care."""

    STRING = "string"
    DECIMAL = "decimal"  # money, rates, quantities: always Decimal, JSON number on the wire
    INTEGER = "integer"
    BOOLEAN = "boolean"
    DATE = "date"  # YYYY-MM-DD
    DATETIME = "datetime"  # ISO 8601 with offset
    TIME = "time"  # HH:MM:SS
    ENUM = "enum"  # a string restricted to FieldDef.enum_values
    REF = "ref"  # ReferenceType: {"value", "name"?, "type"?}
    OBJECT = "object"  # a nested complex type named by FieldDef.type_name


class EntityKind(StrEnum):
    """How an entity is removed: name lists are inactivated, transactions deleted."""

    NAME_LIST = "name_list"
    TRANSACTION = "transaction"
    OTHER = "other"


class Operation(StrEnum):
    """Operations the REST API may allow on an entity."""

    CREATE = "create"
    READ = "read"
    QUERY = "query"
    UPDATE = "update"  # full update
    SPARSE_UPDATE = "sparse_update"
    DELETE = "delete"
    VOID = "void"
    SEND = "send"
    PDF = "pdf"
    DOWNLOAD = "download"


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One element of a complex type, with the overlay's facts merged in."""

    name: str
    kind: Kind
    type_name: str  # the XSD type: "string", "decimal", "ReferenceType", "PhysicalAddress", ...
    many: bool = False  # maxOccurs > 1 (a JSON array)
    min_occurs: int = 0  # as the XSD says; informational only (QBO's real rules are in required)
    enum_values: tuple[str, ...] = ()
    max_length: int | None = None
    read_only: bool = False  # server-computed; ignored (not rejected) when a client sends it
    filterable: bool = False  # may appear in a query's WHERE
    sortable: bool = False  # may appear in a query's ORDERBY
    declared_in: str = ""  # the type that declared it (for inherited fields)


@dataclass(frozen=True, slots=True)
class TypeDef:
    """A complex type: an entity's body or a nested type (address, line detail, ...)."""

    name: str
    base: str | None
    fields: Mapping[str, FieldDef]  # inherited fields first, then own, in XSD order
    abstract: bool = False
    #: Elements the XSD declares that the catalogue leaves out (desktop-only fields,
    #: ``*Ex`` extension points): QBO accepts them in a request and ignores them.
    ignored: frozenset[str] = frozenset()

    def field(self, name: str) -> FieldDef | None:
        return self.fields.get(name)


@dataclass(frozen=True, slots=True)
class EntityDef:
    """A REST-exposed entity: its type plus the overlay's REST facts."""

    name: str  # the XSD and query name, e.g. "CreditCardPaymentTxn"
    type: TypeDef
    kind: EntityKind
    path: str  # URL segment, e.g. "creditcardpayment"
    json_key: str  # key in request and response bodies, e.g. "CreditCardPaymentTxn"
    operations: frozenset[Operation]
    required: tuple[tuple[str, ...], ...] = ()  # each inner tuple: at least one must be given
    cdc: bool = True  # available through change data capture
    indexed: tuple[str, ...] = ()  # properties the emulator indexes for fast queries
    max_lengths: Mapping[str, int] = field(default_factory=dict)
    create_path: str | None = None  # when create is not POST /{path}: "taxservice/taxcode"

    @property
    def fields(self) -> Mapping[str, FieldDef]:
        return self.type.fields

    def allows(self, op: Operation) -> bool:
        return op in self.operations
