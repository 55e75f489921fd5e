"""What the mirror stores of one QBO object: its version and the typed columns.

The version orders the copies of one object that reach the mirror (from the initial
load, CDC, webhooks, in any order and any number of times): SyncToken first (QBO adds one
on every change), then LastUpdatedTime. Typed columns are read from the document so
users can filter with plain SQL without JSON functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

import msgspec

from qbo.schema import jsoncodec
from qbo.schema.instants import parse_instant


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the epoch of an aware instant (its offset is part of it)."""
    return int(instant.timestamp() * 1000)


@dataclass(frozen=True)
class Version:
    """Where one copy of an object stands in its history."""

    sync_token: int | None
    updated_ms: int | None
    deleted: bool = False


def supersedes(new: Version, old: Version | None) -> bool:
    """Whether ``new`` may replace ``old`` (an older or equal copy never does).

    Live over live: higher SyncToken, then later LastUpdatedTime. A deletion has no
    SyncToken and is ordered by time alone: it replaces a live copy no newer than itself
    (a deletion follows the last update, possibly within the same second), and a live copy
    replaces a tombstone only when strictly newer (an Id created again). A tombstone never
    replaces a tombstone: the object is already gone.
    """
    if old is None:
        return True
    new_ms = new.updated_ms if new.updated_ms is not None else -1
    old_ms = old.updated_ms if old.updated_ms is not None else -1
    if new.deleted:
        return not old.deleted and new_ms >= old_ms
    if old.deleted:
        return new_ms > old_ms
    new_token = new.sync_token if new.sync_token is not None else -1
    old_token = old.sync_token if old.sync_token is not None else -1
    return (new_token, new_ms) > (old_token, old_ms)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _ref(value: Any) -> str | None:
    return _text(value.get("value")) if isinstance(value, Mapping) else None


def _date(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _money(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


class _Meta(msgspec.Struct):
    LastUpdatedTime: str | None = None


class _Ref(msgspec.Struct):
    value: str | None = None


class RowFields(msgspec.Struct):
    """The fields the mirror's typed columns come from, read straight from JSON text."""

    Id: str = ""
    SyncToken: str | None = None
    MetaData: _Meta | None = None
    DisplayName: str | None = None
    Name: str | None = None
    FullyQualifiedName: str | None = None
    DocNumber: str | None = None
    TxnDate: str | None = None
    DueDate: str | None = None
    TotalAmt: Decimal | None = None
    Balance: Decimal | None = None
    CustomerRef: _Ref | None = None
    VendorRef: _Ref | None = None
    Active: bool | None = None
    CurrencyRef: _Ref | None = None


_FIELDS = msgspec.json.Decoder(RowFields)


def read_fields(raw: bytes) -> RowFields | None:
    """The column fields of one object's JSON text; None when a value has an unusual type
    (the caller then parses the whole object)."""
    try:
        return _FIELDS.decode(raw)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None


def _version(token: Any, last_updated: str | None) -> Version:
    instant = parse_instant(last_updated)
    text = token if isinstance(token, str) else str(token)
    return Version(
        int(text) if text.isdigit() else None,
        epoch_ms(instant) if instant else None,
    )


def _fields_last_updated(f: RowFields) -> str | None:
    return (f.MetaData.LastUpdatedTime or None) if f.MetaData else None


def fields_version(f: RowFields) -> Version:
    return _version(f.SyncToken, _fields_last_updated(f))


#: The typed columns of a live row, in the order :func:`fields_values` gives them.
COLUMN_KEYS = (
    "sync_token",
    "last_updated",
    "updated_ms",
    "deleted",
    "deleted_at",
    "name",
    "doc_number",
    "txn_date",
    "due_date",
    "total_amt",
    "balance",
    "customer_ref",
    "vendor_ref",
    "active",
    "currency_ref",
    "document",
)


def fields_values(f: RowFields, raw: bytes, version: Version) -> tuple[Any, ...]:
    """The typed columns of a row read from its JSON text (``raw`` is stored as it came),
    as a tuple in :data:`COLUMN_KEYS` order: a load builds tens of thousands of them."""
    customer, vendor, currency = f.CustomerRef, f.VendorRef, f.CurrencyRef
    return (
        version.sync_token,
        _fields_last_updated(f),
        version.updated_ms,
        False,
        None,
        f.DisplayName or f.Name or f.FullyQualifiedName or None,
        f.DocNumber or None,
        _date(f.TxnDate),
        _date(f.DueDate),
        f.TotalAmt,
        f.Balance,
        customer.value or None if customer else None,
        vendor.value or None if vendor else None,
        f.Active,
        currency.value or None if currency else None,
        raw.decode(),
    )


def fields_columns(f: RowFields, raw: bytes, version: Version) -> dict[str, Any]:
    """:func:`fields_values` by column name."""
    return dict(zip(COLUMN_KEYS, fields_values(f, raw, version), strict=True))


class Document:
    """A live object as QBO sent it: its parsed ``data``, or its JSON text (``raw``).

    A bulk load hands over each row's text: the typed columns are read from it directly
    and the text is stored as it came, so no row is parsed into Python objects and written
    back out. ``data`` parses the text when something needs the whole object.
    """

    def __init__(
        self, entity: str, data: Mapping[str, Any] | None = None, *, raw: bytes | None = None
    ) -> None:
        if (data is None) == (raw is None):
            raise TypeError("a Document is made from data or from raw JSON text, not both")
        self.entity = entity
        self._data = data
        self._raw = raw
        self._fields: RowFields | None = None
        if raw is not None:
            self._fields = read_fields(raw)
            if self._fields is None:
                self._data = jsoncodec.loads(raw)  # unusual types: read the slow way
                self._raw = None

    def __repr__(self) -> str:
        return f"Document({self.entity!r}, id={self.id!r})"

    @property
    def data(self) -> Mapping[str, Any]:
        if self._data is None:
            assert self._raw is not None
            self._data = jsoncodec.loads(self._raw)
        return self._data

    @property
    def id(self) -> str:
        if self._fields is not None:
            return self._fields.Id
        return str(self.data.get("Id", ""))

    @property
    def last_updated(self) -> str | None:
        if self._fields is not None:
            return _fields_last_updated(self._fields)
        meta = self.data.get("MetaData")
        return _text(meta.get("LastUpdatedTime")) if isinstance(meta, Mapping) else None

    @cached_property
    def version(self) -> Version:
        if self._fields is not None:
            return fields_version(self._fields)
        return _version(self.data.get("SyncToken"), self.last_updated)

    def columns(self) -> dict[str, Any]:
        """The typed columns of this document's row."""
        version = self.version
        if self._fields is not None and self._raw is not None:
            return fields_columns(self._fields, self._raw, version)
        d = self.data
        name = _text(d.get("DisplayName")) or _text(d.get("Name"))
        active = d.get("Active")
        return {
            "sync_token": version.sync_token,
            "last_updated": self.last_updated,
            "updated_ms": version.updated_ms,
            "deleted": False,
            "deleted_at": None,
            "name": name or _text(d.get("FullyQualifiedName")),
            "doc_number": _text(d.get("DocNumber")),
            "txn_date": _date(d.get("TxnDate")),
            "due_date": _date(d.get("DueDate")),
            "total_amt": _money(d.get("TotalAmt")),
            "balance": _money(d.get("Balance")),
            "customer_ref": _ref(d.get("CustomerRef")),
            "vendor_ref": _ref(d.get("VendorRef")),
            "active": active if isinstance(active, bool) else None,
            "currency_ref": _ref(d.get("CurrencyRef")),
            "document": jsoncodec.dumps(d),
        }


@dataclass(frozen=True)
class Gone:
    """A deleted object (or one merged into another): a tombstone at ``when``."""

    entity: str
    id: str
    when: datetime
    kind: str = "deleted"  # or "merged"

    @property
    def version(self) -> Version:
        return Version(None, epoch_ms(self.when), deleted=True)


Change = Document | Gone
