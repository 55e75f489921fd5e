"""Every OAuth route: Intuit's endpoints and the control plane's apps, users and stats.

``http/app.py`` adds :data:`ROUTES` to the application. Control-plane routes go through
``http.control.guarded`` (loopback only, or the admin token).
"""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from qbo.emulator.core import Emulator
from qbo.emulator.http.control import guarded
from qbo.emulator.http.oauth.consent import authorize_endpoint
from qbo.emulator.http.oauth.endpoints import (
    discovery_endpoint,
    jwks_endpoint,
    revoke_endpoint,
    token_endpoint,
    userinfo_endpoint,
)
from qbo.emulator.http.responses import control_error, json_response
from qbo.emulator.oauth.crypto import storable
from qbo.emulator.oauth.errors import InputError
from qbo.emulator.oauth.server import (
    AUTHORIZE_PATH,
    JWKS_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    OAuthServer,
    oauth_for,
)
from qbo.emulator.oauth.stats import stats_for
from qbo.schema import jsoncodec


async def _server(request: Request) -> OAuthServer:
    emulator: Emulator = request.app.state.emulator
    return await run_in_threadpool(oauth_for, emulator)


async def _object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    try:
        body = jsoncodec.loads(raw.decode("utf-8")) if raw.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise InputError("the body is not valid JSON") from None
    if not isinstance(body, dict):
        raise InputError("the body must be a JSON object")
    if not storable(body):
        raise InputError("text must not contain NUL characters or unpaired surrogates")
    return body


async def create_app_endpoint(request: Request) -> Response:
    """``POST /_emulator/apps``: the new app with its client secret and verifier token."""
    server = await _server(request)
    try:
        created = await run_in_threadpool(server.apps.create, await _object(request))
    except InputError as exc:
        return control_error(str(exc))
    return json_response(created, 201)


async def list_apps_endpoint(request: Request) -> Response:
    """Every registered app (without secrets)."""
    server = await _server(request)
    apps = await run_in_threadpool(server.apps.list)
    return json_response([a.public() for a in apps])


async def create_user_endpoint(request: Request) -> Response:
    """A new user who can sign in on the consent page."""
    server = await _server(request)
    try:
        user = await run_in_threadpool(server.users.create, await _object(request))
    except InputError as exc:
        return control_error(str(exc))
    return json_response(user.public(), 201)


async def list_users_endpoint(request: Request) -> Response:
    """Every user of the consent page."""
    server = await _server(request)
    users = await run_in_threadpool(server.users.list)
    return json_response([u.public() for u in users])


async def stats_endpoint(request: Request) -> Response:
    """Requests counted per OAuth endpoint and grant type, and API calls per company."""
    emulator: Emulator = request.app.state.emulator
    return json_response(stats_for(emulator).snapshot())


async def reset_stats_endpoint(request: Request) -> Response:
    """Set the counts back to zero."""
    emulator: Emulator = request.app.state.emulator
    stats = stats_for(emulator)
    stats.reset()
    return json_response(stats.snapshot())


DISCOVERY_PATHS = (
    "/.well-known/openid_configuration",
    "/.well-known/openid_sandbox_configuration",
)

ROUTES = [
    Route(AUTHORIZE_PATH, authorize_endpoint, methods=["GET", "POST"]),
    Route(TOKEN_PATH, token_endpoint, methods=["POST"]),
    Route(REVOKE_PATH, revoke_endpoint, methods=["POST"]),
    Route(USERINFO_PATH, userinfo_endpoint, methods=["GET", "POST"]),
    Route(JWKS_PATH, jwks_endpoint, methods=["GET"]),
    *(Route(p, discovery_endpoint, methods=["GET"]) for p in DISCOVERY_PATHS),
    *(Route(p + "/", discovery_endpoint, methods=["GET"]) for p in DISCOVERY_PATHS),
    Route("/_emulator/apps", guarded(create_app_endpoint), methods=["POST"]),
    Route("/_emulator/apps", guarded(list_apps_endpoint), methods=["GET"]),
    Route("/_emulator/users", guarded(create_user_endpoint), methods=["POST"]),
    Route("/_emulator/users", guarded(list_users_endpoint), methods=["GET"]),
    Route("/_emulator/stats", guarded(stats_endpoint), methods=["GET"]),
    Route("/_emulator/stats/reset", guarded(reset_stats_endpoint), methods=["POST"]),
]
