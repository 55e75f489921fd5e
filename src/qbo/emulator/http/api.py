"""QBO's REST API (``/v3/company/{realmId}/...``): one request, one transaction.

The endpoint checks the realm and the caller (the body's size is limited as it is read,
:mod:`.limits`), finds the request's route
(:mod:`.routes`) and runs its handler inside one transaction: a write one for routes that
write. Writes that carry a ``requestid`` are answered from the request log
(:mod:`qbo.emulator.store.request_log`) when the id was seen before, and their answer is
logged in the same transaction as the write, so a replay after a crash is still exact.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qsl

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.core import Emulator
from qbo.emulator.http.auth import authorize
from qbo.emulator.http.inputs import ApiRequest
from qbo.emulator.http.responses import (
    PartsResponse,
    envelope,
    envelope_parts,
    fault_body,
    gateway_response,
    json_response,
)
from qbo.emulator.http.routes import (
    Answer,
    ApiRoute,
    Args,
    Bare,
    Enveloped,
    Raw,
    route_for,
    runs_inline,
    unknown_path,
)
from qbo.emulator.oauth.stats import count_api
from qbo.emulator.store import request_log
from qbo.emulator.store.request_log import LoggedAnswer
from qbo.emulator.store.session import Realm, Session
from qbo.schema.faults import Fault, FaultCode

log = logging.getLogger("qbo.emulator")


def execute(
    emulator: Emulator, realm: Realm, req: ApiRequest, found: tuple[ApiRoute, Args] | None = None
) -> Response:
    """Run one API request in one transaction; faults become QBO's Fault bodies.

    ``found`` is the request's route when the caller matched it already.
    """
    request_id = req.params.get("requestid") if req.method == "POST" else None
    fingerprint = req.fingerprint() if request_id else ""
    tables = emulator.store.tables
    try:
        if request_id is not None:
            request_log.check_request_id(request_id)
        route, args = found or route_for(req)
        with emulator.realms.session(realm, write=route.writes, include=req.include) as s:
            if request_id is not None:
                replay = request_log.replayed(
                    s.conn, tables, realm.realm_id, request_id, fingerprint
                )
                if replay is not None:
                    return json_response(replay.body, replay.status)
            answer = route.handler(s, req, args)
            if isinstance(answer, Raw):
                return Response(answer.body, media_type=answer.media_type)
            if isinstance(answer, Enveloped) and not answer.kept:
                # Nothing to log: a long answer goes out in parts, never as one string.
                parts = envelope_parts(answer.key, answer.value, s.now, s.realm.timezone)
                return PartsResponse(parts)
            body = _body_of(answer, s)
            if request_id is not None:
                logged = LoggedAnswer(200, body)
                request_log.record(
                    s.conn, tables, realm.realm_id, request_id, fingerprint, logged, s.now_ms
                )
            return json_response(body, 200)
    except Fault as fault:
        return _fault_answer(emulator, realm, request_id, fingerprint, fault)


def _fault_answer(
    emulator: Emulator, realm: Realm, request_id: str | None, fingerprint: str, fault: Fault
) -> Response:
    """A request's fault, logged under its ``requestid`` unless another request got there first.

    The failed write rolled back, so a concurrent request with the same id may have logged
    its answer meanwhile: the same request replays that answer, another one gets fault 600
    (never an error escaping from here).
    """
    now = emulator.clock.now()
    body = fault_body(fault, now, realm.timezone)
    if request_id is None or fault.code == "600" or not request_log.valid_request_id(request_id):
        return json_response(body, fault.http_status)
    tables = emulator.store.tables
    try:
        with emulator.realms.session(realm, write=True) as s:
            found = request_log.replayed(s.conn, tables, realm.realm_id, request_id, fingerprint)
            if found is not None:
                return json_response(found.body, found.status)
            logged = LoggedAnswer(fault.http_status, body)
            request_log.record(
                s.conn, tables, realm.realm_id, request_id, fingerprint, logged, s.now_ms
            )
    except Fault as reuse:
        return json_response(fault_body(reuse, now, realm.timezone), reuse.http_status)
    return json_response(body, fault.http_status)


def _body_of(answer: Answer, s: Session) -> dict[str, Any]:
    if isinstance(answer, Bare):
        return answer.body
    assert not isinstance(answer, Raw)
    return envelope(answer.key, answer.value, s.now, s.realm.timezone)


async def api_endpoint(request: Request) -> Response:
    emulator: Emulator = request.app.state.emulator
    realm_id = request.path_params["realm"]
    count_api(emulator, realm_id)
    realm = emulator.realms.get(realm_id)
    if realm is None:
        return gateway_response(
            FaultCode.NOT_AUTHORIZED,
            f"Company {realm_id} is not known to this server or not authorized",
            emulator.clock.now(),
        )
    refusal = await authorize(request, emulator, realm)
    if refusal is not None:
        return refusal
    headers = request.headers
    # At most the route's limit (qbo.emulator.http.limits). A request that declares no
    # body (most reads) has none to wait for.
    declared = "content-length" in headers or "transfer-encoding" in headers
    body = await request.body() if declared else b""
    parts = [p for p in request.path_params["rest"].split("/") if p]
    if not parts:
        fault = unknown_path(ApiRequest(request.method, parts, {}, b""))
        return json_response(fault_body(fault, emulator.clock.now(), realm.timezone), 400)
    # As Starlette reads them (the last of repeated names wins), without its multi-dict.
    query = request.scope["query_string"].decode("latin-1")
    params = {k.lower(): v for k, v in parse_qsl(query, keep_blank_values=True)}
    content_type = headers.get("content-type", "")
    req = ApiRequest(
        request.method,
        parts,
        params,
        body,
        content_type=content_type,
        base_url_from=lambda: str(request.base_url).rstrip("/"),
        max_upload_bytes=emulator.config.max_upload_bytes,
    )
    try:
        found: tuple[ApiRoute, Args] | None = route_for(req)
    except Fault:
        found = None  # execute answers the unknown path's fault
    # A short read runs here: handing it to a thread costs more than the read. Not on a
    # database whose one connection is shared, where a read may wait for a long write.
    if found and runs_inline(found[0], req) and not emulator.store.shared_connection:
        return execute(emulator, realm, req, found)
    response: Response = await run_in_threadpool(execute, emulator, realm, req, found)
    return response
