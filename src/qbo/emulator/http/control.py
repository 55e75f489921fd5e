"""The control plane (``/_emulator/...``): realms, the clock, and later apps and faults.

It answers only callers on a loopback address, unless the server was started with an
admin token, which every control-plane request must then carry as a bearer token.
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from datetime import datetime
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator.control_input import unknown_fields
from qbo.emulator.core import Emulator
from qbo.emulator.http.responses import control_error, json_response
from qbo.emulator.realms import RealmError
from qbo.schema import jsoncodec


def _is_loopback(host: str | None) -> bool:
    if host is None:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def guard(request: Request) -> Response | None:
    """None when the caller may use the control plane, else the refusal."""
    emulator: Emulator = request.app.state.emulator
    token = emulator.config.admin_token
    if token:
        given = request.headers.get("authorization", "")
        expected = f"Bearer {token}"
        if not hmac.compare_digest(given.encode(), expected.encode()):
            return control_error("the control plane needs the admin token as a bearer token", 401)
        return None
    if not _is_loopback(request.client.host if request.client else None):
        return control_error(
            "the control plane answers loopback callers only (start the server with --admin-token to allow others)",
            403,
        )
    return None


async def _json_body(request: Request) -> dict[str, Any] | Response:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = jsoncodec.loads(raw.decode("utf-8"))
    except ValueError:  # UnicodeDecodeError and too deep nesting included
        return control_error("the body is not valid JSON")
    if not isinstance(body, dict):
        return control_error("the body must be a JSON object")
    return body


def _emulator(request: Request) -> Emulator:
    emulator: Emulator = request.app.state.emulator
    return emulator


async def list_realms(request: Request) -> Response:
    """Every company this server holds."""
    realms = await run_in_threadpool(_emulator(request).realms.list)
    return json_response([r.public() for r in realms])


async def create_realm(request: Request) -> Response:
    """A new company, seeded (empty or demo), in its country, currency and time zone."""
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    allowed = {"seed", "companyName", "country", "currency", "timezone"}
    problem = unknown_fields(body, allowed)
    if problem:
        return control_error(problem)
    for key in allowed & set(body):
        if not isinstance(body[key], str):
            return control_error(f"{key} must be a string")
    try:
        realm = await run_in_threadpool(
            _emulator(request).realms.create,
            body.get("seed", "empty"),
            body.get("companyName"),
            body.get("country", "US"),
            body.get("currency", "USD"),
            body.get("timezone", "America/Los_Angeles"),
        )
    except RealmError as exc:
        return control_error(str(exc))
    return json_response(realm.public(), 201)


async def reset_realm(request: Request) -> Response:
    """The company put back to its seed, as if new."""
    realm_id = request.path_params["realm"]
    try:
        realm = await run_in_threadpool(_emulator(request).realms.reset, realm_id)
    except KeyError:
        return control_error(f"no realm {realm_id}", 404)
    return json_response(realm.public())


async def clock(request: Request) -> Response:
    """The emulator's clock: read it, advance it or set it (times, expiries, webhooks follow it)."""
    emulator = _emulator(request)
    if request.method == "GET":
        return json_response({"now": emulator.clock.now().isoformat()})
    body = await _json_body(request)
    if isinstance(body, Response):
        return body
    if set(body) == {"advance"}:
        seconds = body["advance"]
        if isinstance(seconds, bool) or (
            not isinstance(seconds, (int, float)) and not hasattr(seconds, "is_finite")
        ):
            return control_error("advance must be a number of seconds")
        try:
            now = emulator.clock.advance(float(seconds))
        except (ValueError, OverflowError) as exc:
            return control_error(str(exc))
    elif set(body) == {"set"}:
        try:
            when = datetime.fromisoformat(str(body["set"]).replace("Z", "+00:00"))
            now = emulator.clock.set(when)
        except ValueError as exc:
            return control_error(f"set needs an ISO 8601 datetime with an offset: {exc}")
    else:
        return control_error('send {"advance": seconds} or {"set": "2026-01-01T00:00:00+00:00"}')
    return json_response({"now": now.isoformat()})


async def health(request: Request) -> Response:
    """Whether the server answers (for readiness checks)."""
    return json_response({"status": "ok"})


def guarded(endpoint: Any) -> Any:
    @functools.wraps(endpoint)  # keeps the name and docstring the OpenAPI description reads
    async def wrapper(request: Request) -> Response:
        refusal = guard(request)
        if refusal is not None:
            return refusal
        response: Response = await endpoint(request)
        return response

    return wrapper


ROUTES = [
    Route("/_emulator/health", guarded(health), methods=["GET"]),
    Route("/_emulator/realms", guarded(list_realms), methods=["GET"]),
    Route("/_emulator/realms", guarded(create_realm), methods=["POST"]),
    Route("/_emulator/realms/{realm}/reset", guarded(reset_realm), methods=["POST"]),
    Route("/_emulator/clock", guarded(clock), methods=["GET", "POST"]),
]
