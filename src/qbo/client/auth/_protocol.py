"""OAuth 2.0 requests and answers as values, shared by the sync and the async client.

Everything here is pure: it builds :class:`httpx.Request` objects and reads
:class:`httpx.Response` objects, so :class:`~qbo.client.auth.oauth.OAuthClient` and
:class:`~qbo.client.auth.oauth.AsyncOAuthClient` differ only in how they send.

Errors map to the client's hierarchy (``invalid_grant`` -> ReauthorizationRequired,
``invalid_client`` -> AuthenticationError). Their messages never contain a credential:
the server's ``error_description`` is kept, but any secret we sent that it repeats is
blanked out first.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

import httpx

from qbo.client.auth.tokens import ClientCredentials, Token
from qbo.client.errors import (
    AuthenticationError,
    AuthorizationError,
    QBOError,
    ReauthorizationRequired,
    ServiceError,
    TransportError,
)

#: Asks Intuit to add ``x_refresh_token_hard_expires_in`` to token answers.
HARD_EXPIRY_HEADER = "x-include-refresh-token-hard-expires-in"

AuthMethod = Literal["client_secret_basic", "client_secret_post"]

_JSON = {"Accept": "application/json"}


def basic_authorization(credentials: ClientCredentials) -> str:
    """``Basic base64(id:secret)``, each part form-encoded first (RFC 6749 section 2.3.1)."""
    pair = f"{quote(credentials.client_id, safe='')}:{quote(credentials.client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")


def _client_auth(
    credentials: ClientCredentials, method: AuthMethod, form: dict[str, str]
) -> dict[str, str]:
    """Headers authenticating the client; for client_secret_post, fills ``form`` instead."""
    if method == "client_secret_post":
        form["client_id"] = credentials.client_id
        form["client_secret"] = credentials.client_secret
        return {}
    return {"Authorization": basic_authorization(credentials)}


def token_request(
    token_endpoint: str,
    credentials: ClientCredentials,
    form: dict[str, str],
    method: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """A POST to the token endpoint (form body), asking for the hard expiry too."""
    form = dict(form)
    headers = {**_JSON, HARD_EXPIRY_HEADER: "true", **_client_auth(credentials, method, form)}
    return httpx.Request("POST", token_endpoint, data=form, headers=headers)


def code_request(
    token_endpoint: str,
    credentials: ClientCredentials,
    code: str,
    redirect_uri: str,
    method: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    return token_request(token_endpoint, credentials, form, method)


def refresh_request(
    token_endpoint: str,
    credentials: ClientCredentials,
    refresh_token: str,
    method: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return token_request(token_endpoint, credentials, form, method)


def revoke_request(
    revocation_endpoint: str,
    credentials: ClientCredentials,
    token: str,
    method: AuthMethod = "client_secret_basic",
) -> httpx.Request:
    """Intuit's revoke takes JSON ``{"token": ...}``."""
    body = {"token": token}
    headers = {**_JSON, **_client_auth(credentials, method, body)}
    return httpx.Request("POST", revocation_endpoint, json=body, headers=headers)


def bearer_get(url: str, access_token: str) -> httpx.Request:
    return httpx.Request("GET", url, headers={**_JSON, "Authorization": f"Bearer {access_token}"})


def plain_get(url: str) -> httpx.Request:
    return httpx.Request("GET", url, headers=_JSON)


# -- answers ----------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-trivial secret in it replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    return text


def _json_object(response: httpx.Response) -> dict[str, Any] | None:
    try:
        data = json.loads(response.content)
    except (ValueError, RecursionError):  # nested too deeply is not JSON we can read either
        return None
    return data if isinstance(data, dict) else None


def error_for(response: httpx.Response, what: str, secrets: Iterable[str] = ()) -> QBOError:
    """The exception for a failed OAuth answer (RFC 6749 section 5.2 body, or anything)."""
    tid = response.headers.get("intuit_tid")
    status = response.status_code
    body = _json_object(response) or {}
    code = body.get("error") if isinstance(body.get("error"), str) else None
    description = body.get("error_description")
    detail = redact(description, secrets) if isinstance(description, str) else None
    kwargs: dict[str, Any] = {
        "code": code,
        "detail": detail,
        "status_code": status,
        "intuit_tid": tid,
    }
    if code == "invalid_grant":
        return ReauthorizationRequired(
            f"{what}: the grant is no longer valid; the user must connect the app again",
            **kwargs,
        )
    if code == "invalid_client":
        return AuthenticationError(
            f"{what}: client authentication failed (check the client id and secret)", **kwargs
        )
    if status == 401:
        return AuthenticationError(f"{what}: the access token was refused", **kwargs)
    if status == 403:
        return AuthorizationError(f"{what}: not allowed (missing scope?)", **kwargs)
    if status >= 500:
        return ServiceError(f"{what}: the server failed", **kwargs)
    return AuthenticationError(f"{what}: the request was refused", **kwargs)


def transport_error(exc: httpx.TransportError, what: str) -> TransportError:
    return TransportError(f"{what}: {type(exc).__name__}: the request did not complete")


def parse_token(
    response: httpx.Response,
    *,
    now: datetime,
    realm_id: str | None,
    scope: str | None,
    previous: Token | None,
    secrets: Iterable[str],
    what: str,
) -> Token:
    """The token of a token-endpoint answer, or the mapped error."""
    if response.status_code != 200:
        raise error_for(response, what, secrets)
    body = _json_object(response)
    tid = response.headers.get("intuit_tid")
    if body is None:
        raise ServiceError(f"{what}: the answer is not a JSON object", intuit_tid=tid)
    token_type = body.get("token_type")
    if not isinstance(token_type, str) or token_type.lower() != "bearer":
        raise ServiceError(f"{what}: the answer's token_type is not bearer", intuit_tid=tid)
    try:
        return Token.from_response(body, now=now, realm_id=realm_id, scope=scope, previous=previous)
    except (KeyError, TypeError, ValueError):
        raise ServiceError(
            f"{what}: the answer lacks access_token, refresh_token or expires_in", intuit_tid=tid
        ) from None


def parse_object(
    response: httpx.Response, what: str, secrets: Iterable[str] = ()
) -> dict[str, Any]:
    """The JSON object of a successful answer (userinfo, JWKS, discovery)."""
    if response.status_code != 200:
        raise error_for(response, what, secrets)
    body = _json_object(response)
    if body is None:
        raise ServiceError(
            f"{what}: the answer is not a JSON object",
            intuit_tid=response.headers.get("intuit_tid"),
        )
    return body


def check_revoked(response: httpx.Response, secrets: Iterable[str]) -> None:
    if response.status_code != 200:
        raise error_for(response, "revoke", secrets)


DISCOVERY_FIELDS = (
    "issuer",
    "authorization_endpoint",
    "token_endpoint",
    "revocation_endpoint",
    "userinfo_endpoint",
    "jwks_uri",
)


def discovery_fields(document: Mapping[str, Any]) -> dict[str, str]:
    """The endpoints a discovery document names (each must be a string)."""
    missing = [k for k in DISCOVERY_FIELDS if not isinstance(document.get(k), str)]
    if missing:
        raise ServiceError(f"discovery: the document lacks {', '.join(missing)}")
    return {k: str(document[k]) for k in DISCOVERY_FIELDS}
