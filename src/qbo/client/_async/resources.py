"""Resource building blocks: one mixin per operation, combined per entity in ``entities``.

An entity's resource class (generated from the catalogue) inherits exactly the mixins of
the operations QBO allows on it, so ``client.customers.delete`` does not exist (customers
are made inactive) and a type checker says so. Each method also re-checks the catalogue
and raises :class:`~qbo.client.errors.UnsupportedOperationError` before any I/O, for
callers that reach an operation dynamically.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, ClassVar, Generic, TypeVar, cast

from qbo.client import _wire as wire
from qbo.client._async.core import AsyncCore
from qbo.client._config import new_request_id
from qbo.client._multipart import Part, encode
from qbo.client._querytext import PAGE_SIZE, QueryLike, to_query
from qbo.client._wire import WireCall
from qbo.client.error_parsing import error_from_fault
from qbo.client.errors import ServiceError, StaleObjectError
from qbo.client.pacing import Cost
from qbo.client.results import Deleted
from qbo.query import Query, to_text
from qbo.schema import Operation, jsoncodec
from qbo.schema.base import QBOModel
from qbo.schema.models import ENTITY_MODELS, Attachable, ExchangeRate

M = TypeVar("M", bound=QBOModel)

ObjectRef = QBOModel | Mapping[str, Any] | str | tuple[str, str]


class AsyncResource(Generic[M]):
    """The base of every resource: which entity, its model, and the core to call."""

    entity_name: ClassVar[str]

    def __init__(self, core: AsyncCore) -> None:
        self._core = core
        self.entity = wire.entity_def(self.entity_name)
        self.model = cast(type[M], ENTITY_MODELS[self.entity.name])

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.entity.name}>"

    def _typed(self, obj: QBOModel) -> M:
        return cast(M, obj)

    async def _entity_call(self, call: WireCall, request_id: str | None) -> M:
        return self._typed(await self._core.entity_call(self.entity, call, request_id=request_id))


class AsyncGetOps(AsyncResource[M]):
    async def get(self, object_id: str) -> M:
        """Read one object by Id (ObjectNotFoundError, code 610, when missing or deleted)."""
        wire.require(self.entity, Operation.READ)
        call = WireCall("GET", f"{self.entity.path}/{_segment(object_id)}", {})
        return await self._entity_call(call, None)


class AsyncQueryOps(AsyncResource[M]):
    async def query(self, query: QueryLike | None = None) -> list[M]:
        """Every matching object (paged 1000 at a time unless the query sets MAXRESULTS).

        ``query`` is a builder (``select("Invoice").where(col("Balance") > 0)``), a Query,
        full text (``"SELECT * FROM Invoice WHERE ..."``) or just the WHERE clause
        (``"Balance > '0'"``); None reads everything.
        """
        return [row async for row in self.iter(query)]

    async def iter(
        self, query: QueryLike | None = None, *, page_size: int = PAGE_SIZE
    ) -> AsyncIterator[M]:
        """Like :meth:`query`, one page at a time (rows are yielded as pages arrive)."""
        wire.require(self.entity, Operation.QUERY)
        parsed = to_query(query, self.entity.name)
        if parsed.is_count:
            raise ValueError("use count() for SELECT count(*)")
        async for page in self._core.query_pages(parsed, page_size=page_size):
            for row in page:
                yield self._typed(row)

    async def first(self, query: QueryLike | None = None) -> M | None:
        """The first matching object, or None."""
        wire.require(self.entity, Operation.QUERY)
        parsed = to_query(query, self.entity.name)
        page = await self._core.query_page(_limited(parsed, 1), self.entity.name)
        return self._typed(page.rows[0]) if page.rows else None

    async def count(self, query: QueryLike | None = None) -> int:
        """How many objects match (``SELECT count(*)``)."""
        wire.require(self.entity, Operation.QUERY)
        return await self._core.count(to_query(query, self.entity.name))


class AsyncCreateOps(AsyncResource[M]):
    async def create(self, obj: M | Mapping[str, Any], *, request_id: str | None = None) -> M:
        """Create an object; retried safely (one requestid for every attempt)."""
        return await self._entity_call(wire.create_call(self.entity, obj), request_id)


class AsyncUpdateOps(AsyncResource[M]):
    async def update(
        self,
        obj: M | Mapping[str, Any],
        *,
        sparse: bool = False,
        request_id: str | None = None,
    ) -> M:
        """Full update (omitted writable fields are cleared), or sparse with ``sparse=True``.

        A sparse update of a model sends the fields that were *set* on it (given to the
        constructor or assigned), with None meaning "clear"; see :meth:`sparse_update`.
        """
        call = wire.update_call(self.entity, obj, sparse=sparse)
        return await self._entity_call(call, request_id)

    async def sparse_update(
        self,
        object_id: str,
        sync_token: str,
        *,
        request_id: str | None = None,
        **fields: Any,
    ) -> M:
        """Change only ``fields``; a field passed as None is cleared (sent as null).

        Fields not passed are left alone (``NOT_GIVEN`` may be passed explicitly too).
        """
        body = wire.sparse_fields_body(object_id, sync_token, fields)
        call = wire.update_call(self.entity, body, sparse=True)
        return await self._entity_call(call, request_id)

    async def update_with_retry(
        self,
        object_id: str,
        mutate: Callable[[M], M | None],
        *,
        retries: int = 5,
        sparse: bool = False,
    ) -> M:
        """Read, apply ``mutate``, update; on a stale object (5010) read again and repeat.

        ``mutate`` changes the object in place (or returns a replacement) and may run
        several times, always on the newest version. After ``retries`` stale answers the
        StaleObjectError is raised.
        """
        wire.require(self.entity, Operation.SPARSE_UPDATE if sparse else Operation.UPDATE)
        attempt = 0
        while True:
            current = await self._get_current(object_id)
            changed = mutate(current)
            target = changed if changed is not None else current
            try:
                return await self.update(target, sparse=sparse)
            except StaleObjectError:
                attempt += 1
                if attempt > retries:
                    raise

    async def _get_current(self, object_id: str) -> M:
        call = WireCall("GET", f"{self.entity.path}/{_segment(object_id)}", {})
        return await self._entity_call(call, None)


class AsyncDeactivateOps(AsyncResource[M]):
    async def deactivate(
        self, obj: ObjectRef, sync_token: str | None = None, *, request_id: str | None = None
    ) -> M:
        """Make a name-list object inactive (``Active: false``): QBO's "delete" for lists."""
        object_id, token = wire.id_and_token(obj, sync_token)
        body = wire.sparse_fields_body(object_id, token, {"Active": False})
        call = wire.update_call(self.entity, body, sparse=True)
        return await self._entity_call(call, request_id)


class AsyncDeleteOps(AsyncResource[M]):
    async def delete(
        self, obj: ObjectRef, sync_token: str | None = None, *, request_id: str | None = None
    ) -> Deleted:
        """Delete a transaction: pass the object, ``(id, sync_token)``, or id and token."""
        wire.require(self.entity, Operation.DELETE)
        object_id, token = wire.id_and_token(obj, sync_token)
        call = wire.delete_call(self.entity, object_id, token)
        body = await self._core.call(call, request_id=request_id)
        return wire.parse_deleted(self.entity, wire.payload(body, self.entity.json_key))


class AsyncVoidOps(AsyncResource[M]):
    async def void(
        self, obj: ObjectRef, sync_token: str | None = None, *, request_id: str | None = None
    ) -> M:
        """Void: the object stays, amounts become zero (the right wire form per entity)."""
        wire.require(self.entity, Operation.VOID)
        object_id, token = wire.id_and_token(obj, sync_token)
        return await self._entity_call(wire.void_call(self.entity, object_id, token), request_id)


class AsyncSendOps(AsyncResource[M]):
    async def send(
        self, object_id: str, to: str | None = None, *, request_id: str | None = None
    ) -> M:
        """E-mail the form (to ``to``, or the address on the object); returns it updated."""
        wire.require(self.entity, Operation.SEND)
        params = {"sendTo": to} if to is not None else {}
        response = await self._core.transport.request_json(
            "POST",
            f"{self.entity.path}/{_segment(object_id)}/send",
            params=params,
            content=b"",
            content_type="application/octet-stream",
            write=True,
            request_id=request_id,
            cost=Cost(),
        )
        return self._typed(
            wire.parse_entity(self.entity, wire.payload(response, self.entity.json_key))
        )


class AsyncPdfOps(AsyncResource[M]):
    async def pdf(self, object_id: str) -> bytes:
        """The form as a PDF document."""
        wire.require(self.entity, Operation.PDF)
        response = await self._core.transport.request(
            "GET",
            f"{self.entity.path}/{_segment(object_id)}/pdf",
            accept="application/pdf",
            cost=Cost(),
        )
        return response.content


class AsyncAttachmentOps(AsyncResource[M]):
    """Upload files as Attachables and download them again."""

    async def upload(
        self,
        file: bytes | IO[bytes] | Path | str,
        filename: str | None = None,
        content_type: str = "application/octet-stream",
        *,
        attach_to: Sequence[tuple[str, str]] = (),
        note: str | None = None,
        include_on_send: bool = False,
        request_id: str | None = None,
    ) -> Attachable:
        """``POST /upload`` (multipart): the file plus its Attachable, linked to objects.

        ``file`` is bytes, a binary file object, or a path; ``attach_to`` lists
        ``(entity, id)`` pairs such as ``[("Invoice", "42")]``.
        """
        wire.require(self.entity, Operation.CREATE, "upload")
        data, name = _file_bytes(file, filename)
        metadata: dict[str, Any] = {"FileName": name, "ContentType": content_type}
        if note is not None:
            metadata["Note"] = note
        if attach_to:
            metadata["AttachableRef"] = [
                {
                    "EntityRef": {"type": wire.entity_def(entity).name, "value": str(object_id)},
                    "IncludeOnSend": include_on_send,
                }
                for entity, object_id in attach_to
            ]
        rid = request_id or new_request_id()
        body, multipart_type = encode(
            [
                Part(
                    "file_metadata_01",
                    jsoncodec.dumps(metadata).encode("utf-8"),
                    "application/json",
                    "attachment.json",
                ),
                Part("file_content_01", data, content_type, name),
            ],
            boundary=f"qbo-{rid}",
        )
        response = await self._core.transport.request_json(
            "POST",
            "upload",
            content=body,
            content_type=multipart_type,
            write=True,
            request_id=rid,
            cost=Cost(),
        )
        return _uploaded(response)

    async def download_url(self, object_id: str) -> str:
        """A temporary URL of the file (``GET /download/{id}``)."""
        wire.require(self.entity, Operation.DOWNLOAD)
        response = await self._core.transport.request(
            "GET",
            f"download/{_segment(object_id)}",
            accept="text/plain, application/json",
            cost=Cost(),
        )
        url = response.text.strip().strip('"')
        if not url.startswith(("http://", "https://")):
            raise ServiceError("unexpected response: the download answer is not a URL")
        return url

    async def download(self, object_id: str) -> bytes:
        """The file's bytes: asks for its temporary URL, then fetches it (without the token)."""
        return await self._core.transport.fetch_url(await self.download_url(object_id))


class AsyncExchangeRateOps(AsyncResource[M]):
    """Exchange rates are addressed by currency and date, not by Id."""

    async def get(self, source_currency: str, as_of: date | None = None) -> ExchangeRate:
        """The rate from ``source_currency`` to the home currency on (or before) ``as_of``."""
        wire.require(self.entity, Operation.READ)
        params = {"sourcecurrencycode": source_currency.upper()}
        if as_of is not None:
            params["asofdate"] = as_of.isoformat()
        body = await self._core.transport.request_json(
            "GET", "exchangerate", params=params, cost=Cost()
        )
        return ExchangeRate.from_qbo(wire.payload(body, "ExchangeRate"))

    async def set(
        self,
        source_currency: str,
        rate: Decimal,
        as_of: date | None = None,
        *,
        request_id: str | None = None,
    ) -> ExchangeRate:
        """Set the rate (home currency units per ``source_currency`` unit) on ``as_of``.

        ``POST /exchangerate`` with the currency and date: QBO creates or replaces the rate
        of that day. Multi-currency must be on.
        """
        wire.require(self.entity, Operation.UPDATE)
        if not isinstance(rate, Decimal) or rate <= 0:
            raise ValueError("rate must be a positive Decimal")
        body: dict[str, Any] = {"SourceCurrencyCode": source_currency.upper(), "Rate": rate}
        if as_of is not None:
            body["AsOfDate"] = as_of.isoformat()
        response = await self._core.transport.request_json(
            "POST", "exchangerate", json=body, write=True, request_id=request_id, cost=Cost()
        )
        return ExchangeRate.from_qbo(wire.payload(response, "ExchangeRate"))


class AsyncSingletonOps(AsyncResource[M]):
    """CompanyInfo and Preferences: one object per company; call the resource to read it."""

    def _read_path(self) -> str:
        raise NotImplementedError

    async def get(self) -> M:
        wire.require(self.entity, Operation.READ)
        return await self._entity_call(WireCall("GET", self._read_path(), {}), None)

    async def __call__(self) -> M:
        return await self.get()

    async def _get_current(self, object_id: str) -> M:
        """The singleton is read by its own path, whatever its Id (for update_with_retry)."""
        return await self.get()


class AsyncCompanyInfoOps(AsyncSingletonOps[M]):
    def _read_path(self) -> str:
        return f"companyinfo/{self._core.settings.realm_id}"


class AsyncPreferencesOps(AsyncSingletonOps[M]):
    def _read_path(self) -> str:
        return "preferences"


class AsyncTaxServiceOps(AsyncResource[M]):
    async def create_with_rates(
        self,
        tax_code: str,
        rate_details: Sequence[Mapping[str, Any]],
        *,
        request_id: str | None = None,
    ) -> dict[str, Any]:
        """``POST /taxservice/taxcode``: a new tax code with new or existing rates.

        Each detail is ``{"TaxRateId": ...}`` or ``{"TaxRateName", "RateValue",
        "TaxAgencyId", "TaxApplicableOn"}``; the answer echoes them with the new ids.
        """
        wire.require(self.entity, Operation.CREATE)
        body = {"TaxCode": tax_code, "TaxRateDetails": [dict(d) for d in rate_details]}
        response = await self._core.transport.request_json(
            "POST",
            "taxservice/taxcode",
            json=body,
            write=True,
            request_id=request_id,
            cost=Cost(),
        )
        result: dict[str, Any] = wire.payload(response, "TaxService")
        return result


def _segment(object_id: str) -> str:
    """An id as one URL path segment (ids are opaque strings; no slashes allowed)."""
    text = str(object_id).strip()
    if not text or "/" in text or "?" in text or "#" in text:
        raise ValueError(f"not a valid object id: {object_id!r}")
    return text


def _limited(query: Query, n: int) -> str:
    return to_text(replace(query, max_results=n))


def _file_bytes(file: bytes | IO[bytes] | Path | str, filename: str | None) -> tuple[bytes, str]:
    if isinstance(file, bytes | bytearray):
        data, default = bytes(file), None
    elif isinstance(file, Path | str):
        path = Path(file)
        data, default = path.read_bytes(), path.name
    else:
        data = file.read()
        default = Path(str(getattr(file, "name", ""))).name or None
    name = filename or default
    if not name:
        raise ValueError("a filename is needed to upload bytes")
    return data, name


def _uploaded(body: Any) -> Attachable:
    """The Attachable of an upload answer (``AttachableResponse: [{Attachable | Fault}]``)."""
    items = body.get("AttachableResponse") if isinstance(body, Mapping) else None
    if isinstance(items, list) and items:
        item = items[0]
        if isinstance(item, Mapping) and "Fault" in item:
            raise error_from_fault(item["Fault"], status=200)
        if isinstance(item, Mapping) and "Attachable" in item:
            return Attachable.from_qbo(item["Attachable"])
    if isinstance(body, Mapping) and "Attachable" in body:
        return Attachable.from_qbo(body["Attachable"])
    raise ServiceError("unexpected response to an upload")
