"""The OAuth HTTP endpoints at Intuit's paths: token, revoke, userinfo, JWKS, discovery.

Intuit serves them from several hosts; the emulator serves them all from its own root, and
the discovery documents give absolute URLs built from the request's base URL, so a client
that reads discovery works against the emulator unchanged.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.core import Emulator
from qbo.emulator.http.oauth.bearer import bearer_token
from qbo.emulator.http.responses import json_response
from qbo.emulator.oauth import scopes
from qbo.emulator.oauth.apps import App
from qbo.emulator.oauth.crypto import storable
from qbo.emulator.oauth.errors import OAuthError, invalid_client, invalid_request
from qbo.emulator.oauth.grants import AccessDenied, TokenSet
from qbo.emulator.oauth.server import (
    AUTHORIZE_PATH,
    ISSUER_PATH,
    JWKS_PATH,
    REVOKE_PATH,
    TOKEN_PATH,
    USERINFO_PATH,
    OAuthServer,
    oauth_for,
)

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"


def base_url(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def issuer(request: Request) -> str:
    return base_url(request) + ISSUER_PATH


async def _server(request: Request) -> OAuthServer:
    emulator: Emulator = request.app.state.emulator
    return await run_in_threadpool(oauth_for, emulator)


def error_response(error: OAuthError) -> Response:
    headers = dict(NO_STORE)
    if error.status == 401:
        headers["WWW-Authenticate"] = 'Basic realm="Intuit"'
    return json_response(error.body(), error.status, headers)


async def _form(request: Request, allow_json: bool = False) -> dict[str, str]:
    """The body's parameters; each may appear once (RFC 6749 section 3.2)."""
    raw = await request.body()  # at most 64 KiB (qbo.emulator.http.limits)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        text = raw.decode("utf-8")
        if allow_json and content_type == "application/json":
            data = json.loads(text) if text.strip() else {}
            if not isinstance(data, dict) or not all(isinstance(v, str) for v in data.values()):
                raise invalid_request("the body must be a JSON object of strings")
            if not storable(data):
                raise invalid_request("parameters must not contain NUL characters")
            return data
        if content_type != "application/x-www-form-urlencoded" and raw.strip():
            raise invalid_request("send the parameters as application/x-www-form-urlencoded")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=50, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        raise invalid_request("the request body could not be read") from None
    form: dict[str, str] = {}
    if not storable([k for k, _ in pairs] + [v for _, v in pairs]):
        raise invalid_request("parameters must not contain NUL characters")
    for key, value in pairs:
        if key in form:
            raise invalid_request(f"parameter {key} was sent more than once")
        form[key] = value
    return form


def client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    """The client id and secret by client_secret_basic or client_secret_post (not both)."""
    header = request.headers.get("authorization")
    posted = "client_secret" in form
    if header is not None:
        if posted:
            raise invalid_request("authenticate the client with one method only")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            raise invalid_client("use HTTP Basic authentication for the client")
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise invalid_client("the Basic credentials could not be decoded") from None
        client_id, colon, secret = decoded.partition(":")
        if not colon or not storable(decoded):
            raise invalid_client("the Basic credentials could not be decoded")
        given_id = form.get("client_id")
        if given_id is not None and given_id != unquote(client_id):
            raise invalid_request("client_id in the body differs from the authenticated client")
        return unquote(client_id), unquote(secret)
    if posted and "client_id" in form:
        return form["client_id"], form["client_secret"]
    raise invalid_client("client authentication is required")


def token_body(
    server: OAuthServer, request: Request, issued: TokenSet, with_id_token: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "token_type": "bearer",
        "access_token": issued.access_token,
        "expires_in": issued.expires_in,
        "refresh_token": issued.refresh_token,
        "x_refresh_token_expires_in": issued.refresh_expires_in,
    }
    if request.headers.get(HARD_EXPIRY_HEADER, "").strip().lower() == "true":
        body["x_refresh_token_hard_expires_in"] = issued.hard_expires_in
    if with_id_token and scopes.OPENID in issued.grant.scopes:
        body["id_token"] = server.id_token(issued, issuer(request))
    return body


def _token_grant(server: OAuthServer, app: App, form: dict[str, str]) -> tuple[TokenSet, bool]:
    grant_type = form["grant_type"]
    if grant_type == "authorization_code":
        code, redirect_uri = form.get("code"), form.get("redirect_uri")
        if not code:
            raise invalid_request("code is required")
        if not redirect_uri:
            raise invalid_request("redirect_uri is required")
        return server.grants.exchange_code(app.client_id, code, redirect_uri), True
    refresh_token = form.get("refresh_token")
    if not refresh_token:
        raise invalid_request("refresh_token is required")
    # Intuit sends no id_token on refresh; neither do we.
    return server.grants.refresh(app.client_id, refresh_token), False


async def token_endpoint(request: Request) -> Response:
    """Intuit's token endpoint: an authorization code or a refresh token for tokens."""
    server = await _server(request)
    try:
        form = await _form(request)
        grant_type = form.get("grant_type", "")
        known = grant_type in ("authorization_code", "refresh_token")
        server.stats.count("token", grant_type if known else "other")
        if not grant_type:
            raise invalid_request("grant_type is required")
        client_id, secret = client_credentials(request, form)
        app = await run_in_threadpool(server.apps.authenticate, client_id, secret)
        if not known:
            raise OAuthError(
                "unsupported_grant_type", "grant_type must be authorization_code or refresh_token"
            )
        issued, with_id = await run_in_threadpool(_token_grant, server, app, form)
        body = await run_in_threadpool(token_body, server, request, issued, with_id)
    except OAuthError as exc:
        return error_response(exc)
    return json_response(body, 200, NO_STORE)


async def revoke_endpoint(request: Request) -> Response:
    """Intuit's revoke: ``{"token": ...}`` (JSON, or a form), the client by Basic auth.

    An unknown token gets 200 and changes nothing; another app's token gets
    ``unauthorized_client`` and changes nothing (RFC 7009 sections 2.1 and 2.2).
    """
    server = await _server(request)
    server.stats.count("revoke")
    try:
        form = await _form(request, allow_json=True)
        client_id, secret = client_credentials(request, form)
        app = await run_in_threadpool(server.apps.authenticate, client_id, secret)
        token = form.get("token")
        if not token:
            raise invalid_request("token is required")
        await run_in_threadpool(server.grants.revoke, app.client_id, token)
    except OAuthError as exc:
        return error_response(exc)
    return Response(b"", 200, headers=NO_STORE)


def _bearer_error(error: str, description: str, status: int) -> Response:
    challenge = f'Bearer realm="Intuit", error="{error}"'
    return json_response(
        {"error": error, "error_description": description},
        status,
        {**NO_STORE, "WWW-Authenticate": challenge},
    )


async def userinfo_endpoint(request: Request) -> Response:
    """OpenID Connect userinfo of the token's user."""
    server = await _server(request)
    server.stats.count("userinfo")
    token = bearer_token(request)
    if token is None:
        return _bearer_error("invalid_token", "a Bearer access token is required", 401)
    try:
        grant = await run_in_threadpool(server.grants.check_access, token)
    except AccessDenied as exc:
        return _bearer_error("invalid_token", exc.reason, 401)
    if scopes.OPENID not in grant.scopes:
        return _bearer_error("insufficient_scope", "the token lacks the openid scope", 403)
    return json_response(await run_in_threadpool(server.userinfo, grant), 200, NO_STORE)


async def jwks_endpoint(request: Request) -> Response:
    """The public keys that verify id_tokens."""
    server = await _server(request)
    server.stats.count("jwks")
    keys = await run_in_threadpool(lambda: server.keys.jwks())
    return json_response(keys)


async def discovery_endpoint(request: Request) -> Response:
    """The OpenID discovery document, with this server's URLs."""
    server = await _server(request)
    server.stats.count("discovery")
    base = base_url(request)
    return json_response(
        {
            "issuer": issuer(request),
            "authorization_endpoint": base + AUTHORIZE_PATH,
            "token_endpoint": base + TOKEN_PATH,
            "userinfo_endpoint": base + USERINFO_PATH,
            "revocation_endpoint": base + REVOKE_PATH,
            "jwks_uri": base + JWKS_PATH,
            "response_types_supported": ["code"],
            "grant_types_supported": ["authorization_code", "refresh_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(scopes.ALL),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
            "claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub", "auth_time"],
        }
    )
