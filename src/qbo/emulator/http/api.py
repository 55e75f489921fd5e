"""QBO's REST API (``/v3/company/{realmId}/...``): routing and HTTP parsing only.

Each request is turned into one call on the domain layer inside one transaction. Writes
that carry a ``requestid`` are answered from the request log when the id was seen before
(same body: the first response again; another body: fault 600), and their response is
logged in the same transaction as the write, so a replay after a crash is still exact.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.batch import handle_batch
from qbo.emulator.cdc import handle_cdc
from qbo.emulator.core import Emulator
from qbo.emulator.domain import crud
from qbo.emulator.domain.session import Realm, Session
from qbo.emulator.domain.taxservice import create_tax_code
from qbo.emulator.http.auth import authorize
from qbo.emulator.http.responses import (
    envelope,
    fault_body,
    fault_response,
    gateway_response,
    json_response,
)
from qbo.emulator.ledger.currency import write_exchange_rate
from qbo.emulator.oauth.stats import count_api
from qbo.emulator.querying import run_query
from qbo.emulator.reports import run_report
from qbo.schema import EntityDef, Operation, catalogue, jsoncodec
from qbo.schema.faults import Fault, not_found, unsupported_operation

log = logging.getLogger("qbo.emulator")

MAX_REQUEST_ID = 50
UPLOAD_OVERHEAD_BYTES = 1024 * 1024
SINGLETON_PATHS = {"preferences": "Preferences", "companyinfo": "CompanyInfo"}


@dataclass
class ApiRequest:
    """What the domain needs to know about one HTTP request."""

    method: str
    parts: list[str]
    params: dict[str, str]
    body: bytes
    content_type: str = ""  # the Content-Type header (multipart uploads need its boundary)
    base_url: str = ""  # where the emulator is reached, for URLs it hands out
    max_upload_bytes: int = 100 * 1024 * 1024  # per uploaded file (config.max_upload_bytes)
    batch: bool = False  # an item of POST /batch (update + optionsData=void voids any entity)

    @property
    def include(self) -> frozenset[str]:
        return frozenset(
            p.strip().lower() for p in self.params.get("include", "").split(",") if p.strip()
        )

    def fingerprint(self) -> str:
        params = sorted(
            (k, v) for k, v in self.params.items() if k not in ("requestid", "minorversion")
        )
        digest = hashlib.sha256()
        digest.update(self.method.encode())
        digest.update("/".join(self.parts).lower().encode())
        digest.update(repr(params).encode())
        digest.update(self.body)
        return digest.hexdigest()

    def json(self) -> Any:
        if not self.body.strip():
            raise Fault.of(
                "2010", "Request has invalid or unsupported property: the request body is empty"
            )
        try:
            return jsoncodec.loads(self.body.decode("utf-8"))
        except RecursionError:
            raise Fault.of(
                "2010",
                "Request has invalid or unsupported property: the body is nested too deeply",
            ) from None
        except (ValueError, UnicodeDecodeError) as exc:
            detail = str(exc).split("\n")[0][:200]
            raise Fault.of(
                "2010",
                f"Request has invalid or unsupported property: the body is not valid JSON ({detail})",
            ) from None


Result = tuple[int, dict[str, Any]]


def unknown_path(req: ApiRequest) -> Fault:
    # QBO answers unknown resources inconsistently; a ValidationFault naming the path is
    # the most useful answer a client can get (code 6000, see guide section 4).
    return Fault.of(
        "6000", f"Unsupported resource: {req.method} /{'/'.join(req.parts)} is not part of the API"
    )


def entity_for(segment: str) -> EntityDef | None:
    return catalogue().entity_by_path(segment)


Handler = Callable[[Session, ApiRequest], Result]

#: Resources that are not entities (query, cdc, batch, reports, ...), by first path segment.
#: Feature modules add their handlers here; entity CRUD is the fallback.
READ_HANDLERS: dict[str, Handler] = {}
WRITE_HANDLERS: dict[str, Handler] = {}
#: POST ``{entity}/{id}/{action}`` resources (``send``), by action; the handler checks the
#: entity.
WRITE_ACTIONS: dict[str, Handler] = {}


@dataclass(frozen=True)
class RawResult:
    """A response that is not a JSON envelope: a PDF, a download URL."""

    body: bytes
    media_type: str


RawHandler = Callable[[Session, ApiRequest], RawResult]

#: GET resources that answer raw bytes, by action (``{entity}/{id}/pdf``) or, for shorter
#: paths, by first segment (``download/{id}``). They run in a read transaction.
RAW_READ_HANDLERS: dict[str, RawHandler] = {}


def raw_handler(req: ApiRequest) -> RawHandler | None:
    if req.method != "GET":
        return None
    key = req.parts[2] if len(req.parts) == 3 else req.parts[0]
    return RAW_READ_HANDLERS.get(key.lower())


#: POST resources that only read (they run in a read transaction, without the write lock).
READ_ONLY_POSTS: set[str] = {"query"}


def query_get(s: Session, req: ApiRequest) -> Result:
    """``GET /query?query=...``."""
    text = req.params.get("query")
    if text is None or not text.strip():
        raise Fault.of("4000", "QueryParserError: the query parameter is missing or empty")
    return 200, {"QueryResponse": run_query(s, text, raw_json=True)}


def query_post(s: Session, req: ApiRequest) -> Result:
    """``POST /query`` with the query as the body (``Content-Type: application/text``)."""
    try:
        text = req.body.decode("utf-8")
    except UnicodeDecodeError:
        raise Fault.of("4000", "QueryParserError: the query is not valid UTF-8") from None
    if not text.strip():
        raise Fault.of("4000", "QueryParserError: the request body holds no query")
    return 200, {"QueryResponse": run_query(s, text, raw_json=True)}


READ_HANDLERS["query"] = query_get
WRITE_HANDLERS["query"] = query_post
READ_HANDLERS["cdc"] = handle_cdc
WRITE_HANDLERS["batch"] = handle_batch

#: A payload under this key is the whole response body (reports have no ``time`` envelope).
BARE = "__bare__"


def reports_get(s: Session, req: ApiRequest) -> Result:
    """``GET /reports/{Name}`` (qbo.emulator.reports)."""
    if len(req.parts) != 2:
        raise unknown_path(req)
    return 200, {BARE: run_report(s, req.parts[1], req.params)}


def exchange_rate_post(s: Session, req: ApiRequest) -> Result:
    """``POST /exchangerate``: set a currency's rate on a date (qbo.emulator.ledger.currency)."""
    operation = req.params.get("operation", "").lower()
    if operation not in ("", "update"):  # rates are only ever set (updated): no create/delete
        raise unsupported_operation("ExchangeRate", operation)
    return 200, {"ExchangeRate": write_exchange_rate(s, req.json())}


READ_HANDLERS["reports"] = reports_get
WRITE_HANDLERS["exchangerate"] = exchange_rate_post


def handle_read(s: Session, req: ApiRequest) -> Result:
    parts = req.parts
    special = READ_HANDLERS.get(parts[0].lower())
    if special is not None:
        return special(s, req)
    if len(parts) == 1 and parts[0].lower() == "preferences":
        prefs = catalogue().entity("Preferences")
        return 200, {prefs.json_key: crud.read(s, prefs, "1")}
    if len(parts) == 1 and parts[0].lower() == "exchangerate":
        return 200, {"ExchangeRate": read_exchange_rate(s, req)}
    entity = entity_for(parts[0])
    if entity is None or len(parts) != 2:
        raise unknown_path(req)
    object_id = parts[1]
    if entity.name == "CompanyInfo":
        if object_id not in (s.realm.realm_id, "1"):
            raise not_found(entity.name, object_id)
        object_id = "1"
    return 200, {entity.json_key: crud.read(s, entity, object_id)}


def read_exchange_rate(s: Session, req: ApiRequest) -> dict[str, Any]:
    code = req.params.get("sourcecurrencycode", "").upper()
    if not code:
        raise Fault.of(
            "2020",
            "Required parameter sourcecurrencycode is missing in the request",
            element="sourcecurrencycode",
        )
    as_of = req.params.get("asofdate")
    rates = [
        r
        for r in s.find("ExchangeRate", "SourceCurrencyCode", code, limit=10_000)
        if as_of is None or str(r.get("AsOfDate", "")) <= as_of
    ]
    if code == s.realm.currency:
        return {
            "SourceCurrencyCode": code,
            "TargetCurrencyCode": code,
            "Rate": 1,
            "AsOfDate": as_of or s.now.date().isoformat(),
        }
    if not rates:
        raise Fault.of(
            "610", f"Object Not Found : no exchange rate for {code} on or before {as_of or 'today'}"
        )
    return max(rates, key=lambda r: (str(r.get("AsOfDate", "")), int(r["Id"])))


def handle_write(s: Session, req: ApiRequest) -> Result:
    parts = [p.lower() for p in req.parts]
    special = WRITE_HANDLERS.get(parts[0])
    if special is not None:
        return special(s, req)
    action = WRITE_ACTIONS.get(parts[2]) if len(parts) == 3 else None
    if action is not None:
        return action(s, req)
    if parts == ["taxservice", "taxcode"]:
        return 200, {"TaxService": create_tax_code(s, req.json())}
    entity = entity_for(parts[0])
    if entity is None or len(parts) != 1:
        raise unknown_path(req)
    if entity.create_path is not None and req.params.get("operation", "").lower() in ("", "create"):
        raise unsupported_operation(entity.name, f"create (use POST /{entity.create_path})")
    operation = req.params.get("operation", "").lower()
    body = req.json()
    if operation == "delete":
        return 200, {entity.json_key: crud.delete(s, entity, body)}
    if operation == "void" or (operation == "update" and "void" in req.include):
        if entity.name in ("Payment", "SalesReceipt", "BillPayment") and operation == "void":
            raise unsupported_operation(entity.name, "void (use operation=update&include=void)")
        if entity.name == "Invoice" and operation == "update" and not req.batch:
            raise unsupported_operation(entity.name, "void (use operation=void)")
        return 200, {entity.json_key: crud.void(s, entity, body)}
    if operation not in ("", "update", "create"):
        raise unsupported_operation(entity.name, operation)
    # An explicit operation=create is a create even on CompanyInfo/Preferences (which
    # then get Unsupported Operation); otherwise an Id, or a singleton, means update.
    is_update = operation != "create" and (
        entity.name in crud.SINGLETONS
        or operation == "update"
        or (isinstance(body, dict) and body.get("Id") not in (None, ""))
    )
    if is_update:
        sparse = isinstance(body, dict) and body.get("sparse") is True
        if not entity.allows(Operation.UPDATE) and not sparse:
            sparse = entity.allows(Operation.SPARSE_UPDATE)
        return 200, {entity.json_key: crud.update(s, entity, body, sparse=sparse)}
    return 200, {entity.json_key: crud.create(s, entity, body)}


def _replayed(s: Session, request_id: str, fingerprint: str) -> Result | None:
    log_table = s.store.tables.request_log
    row = s.conn.execute(
        select(log_table.c.fingerprint, log_table.c.status, log_table.c.body).where(
            log_table.c.realm_id == s.realm.realm_id, log_table.c.request_id == request_id
        )
    ).first()
    if row is None:
        return None
    if row.fingerprint != fingerprint:
        raise Fault.of(
            "600",
            f"RequestId already exists : requestid {request_id} was used for a different request",
        )
    return int(row.status), jsoncodec.loads(row.body)


def _valid_request_id(request_id: str) -> bool:
    """At most 50 characters, not blank, and storable (no control characters or surrogates)."""
    # isprintable() is False for control characters and surrogates alike
    return (
        0 < len(request_id) <= MAX_REQUEST_ID
        and request_id.strip() != ""
        and request_id.isprintable()
    )


def _log_result(
    s: Session, request_id: str, fingerprint: str, status: int, body: dict[str, Any]
) -> None:
    s.conn.execute(
        insert(s.store.tables.request_log),
        {
            "realm_id": s.realm.realm_id,
            "request_id": request_id,
            "fingerprint": fingerprint,
            "status": status,
            # a lone surrogate echoed from a client's path cannot be stored: replace it
            "body": jsoncodec.dumps(body).encode("utf-8", "replace").decode("utf-8"),
            "created_ms": s.now_ms,
        },
    )


def execute(emulator: Emulator, realm: Realm, req: ApiRequest) -> Result:
    """Run one API request in one transaction; faults become (status, Fault body)."""
    tz = realm.timezone
    request_id = req.params.get("requestid") if req.method == "POST" else None
    fingerprint = req.fingerprint() if request_id else ""
    try:
        if request_id is not None and not _valid_request_id(request_id):
            # QBO's code for a malformed requestid is unknown: a ValidationFault (6000)
            # that says what is wrong (guide section 4).
            raise Fault.of(
                "6000",
                f"requestid must be 1 to {MAX_REQUEST_ID} printable characters "
                f"(got {len(request_id)} characters)",
                element="requestid",
            )
        handler: Callable[[Session, ApiRequest], Result] = (
            handle_write if req.method == "POST" else handle_read
        )
        writes = req.method == "POST" and req.parts[0].lower() not in READ_ONLY_POSTS
        with emulator.realms.session(realm, write=writes, include=req.include) as s:
            if request_id is not None:
                replay = _replayed(s, request_id, fingerprint)
                if replay is not None:
                    return replay
            status, payload = handler(s, req)
            body = envelope_of(payload, s)
            if request_id is not None:
                _log_result(s, request_id, fingerprint, status, body)
            return status, body
    except Fault as fault:
        body = fault_body(fault, emulator.clock.now(), tz)
        if request_id is not None and fault.code != "600" and _valid_request_id(request_id):
            with emulator.realms.session(realm, write=True) as s:
                if _replayed(s, request_id, fingerprint) is None:
                    _log_result(s, request_id, fingerprint, fault.http_status, body)
        return fault.http_status, body


def envelope_of(payload: dict[str, Any], s: Session) -> dict[str, Any]:
    if BARE in payload:
        bare: dict[str, Any] = payload[BARE]
        return bare
    (key, value), *_ = payload.items()
    return envelope(key, value, s.now, s.realm.timezone)


def execute_raw(emulator: Emulator, realm: Realm, req: ApiRequest, handler: RawHandler) -> Response:
    """Run a raw GET in a read transaction; its faults are answered as JSON, as usual."""
    try:
        with emulator.realms.session(realm, write=False, include=req.include) as s:
            result = handler(s, req)
    except Fault as fault:
        return fault_response(fault, emulator.clock.now(), realm.timezone)
    return Response(result.body, media_type=result.media_type)


async def api_endpoint(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    realm_id = request.path_params["realm"]
    count_api(emulator, realm_id)
    realm = emulator.realms.get(realm_id)
    if realm is None:
        return gateway_response(
            "3100",
            f"Company {realm_id} is not known to this server or not authorized",
            emulator.clock.now(),
        )
    refusal = await authorize(request, emulator, realm)
    if refusal is not None:
        return refusal
    body = await request.body()
    limit = emulator.config.max_body_bytes
    if request.path_params["rest"].strip("/").lower() == "upload":
        # An upload carries whole files: the per-file limit plus room for the metadata part.
        limit = max(limit, emulator.config.max_upload_bytes + UPLOAD_OVERHEAD_BYTES)
    if len(body) > limit:
        fault = Fault.of(
            "6000",
            f"Request body is too large ({len(body)} bytes; at most {limit})",
        )
        return json_response(fault_body(fault, emulator.clock.now(), realm.timezone), 400)
    parts = [p for p in request.path_params["rest"].split("/") if p]
    if not parts:
        fault = unknown_path(ApiRequest(request.method, parts, {}, b""))
        return json_response(fault_body(fault, emulator.clock.now(), realm.timezone), 400)
    params = {k.lower(): v for k, v in request.query_params.items()}
    content_type = request.headers.get("content-type", "")
    req = ApiRequest(
        request.method,
        parts,
        params,
        body,
        content_type=content_type,
        base_url=str(request.base_url).rstrip("/"),
        max_upload_bytes=emulator.config.max_upload_bytes,
    )
    raw = raw_handler(req)
    if raw is not None:
        response: Response = await run_in_threadpool(execute_raw, emulator, realm, req, raw)
        return response
    status, payload = await run_in_threadpool(execute, emulator, realm, req)
    return json_response(payload, status)
