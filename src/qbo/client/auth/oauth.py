"""OAuth 2.0 and OpenID Connect against Intuit (or the emulator): sync and async clients.

Connecting an app, in three steps::

    oauth = OAuthClient(environment, ClientCredentials(id, secret, redirect_uri))
    request = oauth.authorization_url([ACCOUNTING, OPENID, EMAIL])  # keep request.state
    # ... the user approves; Intuit redirects to redirect_uri?code=...&state=...&realmId=...
    answer = parse_redirect(callback_url, expected_state=request.state)
    token = oauth.exchange_code(answer.code, realm_id=answer.realm_id)

Why plain httpx rather than authlib or oauthlib: the protocol pieces are five small form
posts and one URL, while what matters here is what those libraries do not offer —
Intuit's extra fields (hard expiry header and fields), errors mapped to our hierarchy with
secrets blanked, an injectable clock (the emulator's clock moves), and refreshing that is
single-flight across processes (``refreshing.py``), which their built-in auto-refresh
would bypass. The one part that is easy to get wrong, JOSE, is PyJWT's (``idtoken.py``).

Clients hold no connection: without an ``http_client`` each call opens and closes its
own, so one client can serve many threads or event loops.
"""

from __future__ import annotations

import functools
import hmac
import secrets
import ssl
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx

from qbo.client.auth import _protocol as proto
from qbo.client.auth.idtoken import DEFAULT_LEEWAY, UnknownSigningKey, verify_id_token
from qbo.client.auth.tokens import ClientCredentials, Clock, Token, utc_now
from qbo.client.environment import Environment
from qbo.client.errors import AuthorizationError

ACCOUNTING = "com.intuit.quickbooks.accounting"
PAYMENT = "com.intuit.quickbooks.payment"
OPENID = "openid"
PROFILE = "profile"
EMAIL = "email"
PHONE = "phone"
ADDRESS = "address"

JWKS_TTL = timedelta(hours=1)


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context for the short-lived clients (loading CA certificates takes ~0.1 s)."""
    return httpx.create_ssl_context()


# -- the authorization request and its redirect ---------------------------------------------


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """Where to send the user, and what to keep (in their session) until they return."""

    url: str = field(repr=False)  # carries ``state``
    state: str = field(repr=False)
    redirect_uri: str
    scope: str
    nonce: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """What the redirect brought back: the code and the company (``realmId``)."""

    code: str = field(repr=False)  # exchangeable for tokens: never in a log
    realm_id: str | None
    state: str = field(repr=False)


def new_state() -> str:
    """A fresh, unguessable ``state`` (256 bits)."""
    return secrets.token_urlsafe(32)


def check_state(expected: str, received: str | None) -> bool:
    """Whether the redirect's ``state`` is the one we sent (constant-time comparison)."""
    if not expected or received is None:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), received.encode("utf-8"))


def parse_redirect(url_or_query: str, *, expected_state: str) -> AuthorizationResponse:
    """The code of the redirect to our ``redirect_uri``, after checking ``state``.

    :class:`AuthorizationError` when the user refused, the server reported an error, or
    the state differs (a forged redirect).
    """
    query = urlsplit(url_or_query).query if "?" in url_or_query else url_or_query.lstrip("?")
    params = dict(parse_qsl(query, keep_blank_values=True))
    if not check_state(expected_state, params.get("state")):
        raise AuthorizationError("authorization redirect: state does not match (forged redirect?)")
    if "error" in params:
        raise AuthorizationError(
            "authorization redirect: the authorization was not granted",
            code=params["error"],
            detail=params.get("error_description"),
        )
    code = params.get("code")
    if not code:
        raise AuthorizationError("authorization redirect: no code")
    return AuthorizationResponse(code=code, realm_id=params.get("realmId"), state=params["state"])


def _scope(scopes: str | Iterable[str]) -> str:
    scope = scopes if isinstance(scopes, str) else " ".join(scopes)
    if not scope.strip():
        raise ValueError("at least one scope is required")
    return scope


# -- the clients ---------------------------------------------------------------------------


class _OAuthBase:
    def __init__(
        self,
        environment: Environment,
        credentials: ClientCredentials,
        *,
        auth_method: proto.AuthMethod = "client_secret_basic",
        timeout: float = 30.0,
        clock: Clock = utc_now,
    ) -> None:
        self.environment = environment
        self.credentials = credentials
        self.auth_method: proto.AuthMethod = auth_method
        self.timeout = timeout
        self.clock = clock
        self._jwks: dict[str, Any] | None = None
        self._jwks_at: datetime | None = None

    def _secrets(self, *extra: str | None) -> tuple[str, ...]:
        return (self.credentials.client_secret, *(e for e in extra if e))

    def _redirect_uri(self, redirect_uri: str | None) -> str:
        uri = redirect_uri or self.credentials.redirect_uri
        if not uri:
            raise ValueError(
                "a redirect_uri is required (pass one, or set it on ClientCredentials)"
            )
        return uri

    def authorization_url(
        self,
        scopes: str | Sequence[str] = (ACCOUNTING,),
        *,
        redirect_uri: str | None = None,
        state: str | None = None,
        nonce: str | None = None,
        extra: Mapping[str, str] | None = None,
    ) -> AuthorizationRequest:
        """The URL to send the user to, with a new random ``state`` (and a nonce for openid).

        ``extra`` adds parameters (the emulator reads ``realm_id`` to pick a company).
        """
        scope = _scope(scopes)
        uri = self._redirect_uri(redirect_uri)
        state = state or new_state()
        if nonce is None and OPENID in scope.split():
            nonce = secrets.token_urlsafe(16)
        params = {
            "client_id": self.credentials.client_id,
            "response_type": "code",
            "scope": scope,
            "redirect_uri": uri,
            "state": state,
        }
        if nonce is not None:
            params["nonce"] = nonce
        params.update(extra or {})
        endpoint = self.environment.authorization_endpoint
        url = f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(params)}"
        return AuthorizationRequest(
            url=url, state=state, redirect_uri=uri, scope=scope, nonce=nonce
        )

    def _code_request(self, code: str, redirect_uri: str | None) -> httpx.Request:
        return proto.code_request(
            self.environment.token_endpoint,
            self.credentials,
            code,
            self._redirect_uri(redirect_uri),
            self.auth_method,
        )

    def _refresh_request(self, token: Token) -> httpx.Request:
        return proto.refresh_request(
            self.environment.token_endpoint, self.credentials, token.refresh_token, self.auth_method
        )

    def _revoke_request(self, token: str | Token) -> tuple[httpx.Request, str]:
        value = token.refresh_token if isinstance(token, Token) else token
        request = proto.revoke_request(
            self.environment.revocation_endpoint, self.credentials, value, self.auth_method
        )
        return request, value

    def _jwks_fresh(self) -> dict[str, Any] | None:
        if self._jwks is None or self._jwks_at is None:
            return None
        return self._jwks if self.clock() - self._jwks_at < JWKS_TTL else None

    def _remember_jwks(self, jwks: dict[str, Any]) -> dict[str, Any]:
        self._jwks, self._jwks_at = jwks, self.clock()
        return jwks

    def _verify(
        self, id_token: str, jwks: dict[str, Any], nonce: str | None, leeway: timedelta
    ) -> dict[str, Any]:
        return verify_id_token(
            id_token,
            jwks,
            issuer=self.environment.issuer,
            client_id=self.credentials.client_id,
            now=self.clock(),
            nonce=nonce,
            leeway=leeway,
        )

    def _apply_discovery(self, document: Mapping[str, Any]) -> Environment:
        self.environment = replace(self.environment, **proto.discovery_fields(document))
        self._jwks = None
        return self.environment


class OAuthClient(_OAuthBase):
    """OAuth 2.0 / OpenID Connect calls, blocking."""

    def __init__(
        self,
        environment: Environment,
        credentials: ClientCredentials,
        *,
        http_client: httpx.Client | None = None,
        auth_method: proto.AuthMethod = "client_secret_basic",
        timeout: float = 30.0,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(
            environment, credentials, auth_method=auth_method, timeout=timeout, clock=clock
        )
        self.http_client = http_client

    def _send(self, request: httpx.Request, what: str) -> httpx.Response:
        try:
            if self.http_client is not None:
                return self.http_client.send(request, follow_redirects=request.method == "GET")
            with httpx.Client(timeout=self.timeout, verify=_tls()) as client:
                return client.send(request, follow_redirects=request.method == "GET")
        except httpx.TransportError as exc:
            raise proto.transport_error(exc, what) from None

    def exchange_code(
        self,
        code: str,
        *,
        realm_id: str | None,
        redirect_uri: str | None = None,
        scope: str | None = None,
    ) -> Token:
        """The tokens for an authorization code (valid once, for a few minutes)."""
        at = self.clock()
        response = self._send(self._code_request(code, redirect_uri), "token (authorization_code)")
        return proto.parse_token(
            response,
            now=at,
            realm_id=realm_id,
            scope=scope,
            previous=None,
            secrets=self._secrets(code),
            what="token (authorization_code)",
        )

    def refresh(self, token: Token) -> Token:
        """New tokens for ``token``'s refresh token. Store the answer before using it."""
        at = self.clock()
        response = self._send(self._refresh_request(token), "token (refresh_token)")
        return proto.parse_token(
            response,
            now=at,
            realm_id=token.realm_id,
            scope=None,
            previous=token,
            secrets=self._secrets(token.refresh_token, token.access_token),
            what="token (refresh_token)",
        )

    def revoke(self, token: str | Token) -> None:
        """End the grant (a Token's refresh token, or any access or refresh token)."""
        request, value = self._revoke_request(token)
        proto.check_revoked(self._send(request, "revoke"), self._secrets(value))

    def userinfo(self, access_token: str | Token) -> dict[str, Any]:
        value = access_token.access_token if isinstance(access_token, Token) else access_token
        request = proto.bearer_get(self.environment.userinfo_endpoint, value)
        return proto.parse_object(self._send(request, "userinfo"), "userinfo", self._secrets(value))

    def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        """The signing keys (cached for an hour)."""
        cached = None if refresh else self._jwks_fresh()
        if cached is not None:
            return cached
        response = self._send(proto.plain_get(self.environment.jwks_uri), "jwks")
        return self._remember_jwks(proto.parse_object(response, "jwks"))

    def verify_id_token(
        self, id_token: str, *, nonce: str | None = None, leeway: timedelta = DEFAULT_LEEWAY
    ) -> dict[str, Any]:
        """The id_token's claims once signature, iss, aud, exp and iat (and nonce) check out.

        An unknown key id fetches the JWKS again once (Intuit rotates its keys).
        """
        try:
            return self._verify(id_token, self.jwks(), nonce, leeway)
        except UnknownSigningKey:
            return self._verify(id_token, self.jwks(refresh=True), nonce, leeway)

    def discover(self) -> Environment:
        """Read the discovery document and use its endpoints (returns the new Environment)."""
        response = self._send(proto.plain_get(self.environment.discovery_url), "discovery")
        return self._apply_discovery(proto.parse_object(response, "discovery"))


class AsyncOAuthClient(_OAuthBase):
    """OAuth 2.0 / OpenID Connect calls, for asyncio (or trio, through anyio)."""

    def __init__(
        self,
        environment: Environment,
        credentials: ClientCredentials,
        *,
        http_client: httpx.AsyncClient | None = None,
        auth_method: proto.AuthMethod = "client_secret_basic",
        timeout: float = 30.0,
        clock: Clock = utc_now,
    ) -> None:
        super().__init__(
            environment, credentials, auth_method=auth_method, timeout=timeout, clock=clock
        )
        self.http_client = http_client

    async def _send(self, request: httpx.Request, what: str) -> httpx.Response:
        try:
            if self.http_client is not None:
                return await self.http_client.send(
                    request, follow_redirects=request.method == "GET"
                )
            async with httpx.AsyncClient(timeout=self.timeout, verify=_tls()) as client:
                return await client.send(request, follow_redirects=request.method == "GET")
        except httpx.TransportError as exc:
            raise proto.transport_error(exc, what) from None

    async def exchange_code(
        self,
        code: str,
        *,
        realm_id: str | None,
        redirect_uri: str | None = None,
        scope: str | None = None,
    ) -> Token:
        at = self.clock()
        response = await self._send(
            self._code_request(code, redirect_uri), "token (authorization_code)"
        )
        return proto.parse_token(
            response,
            now=at,
            realm_id=realm_id,
            scope=scope,
            previous=None,
            secrets=self._secrets(code),
            what="token (authorization_code)",
        )

    async def refresh(self, token: Token) -> Token:
        at = self.clock()
        response = await self._send(self._refresh_request(token), "token (refresh_token)")
        return proto.parse_token(
            response,
            now=at,
            realm_id=token.realm_id,
            scope=None,
            previous=token,
            secrets=self._secrets(token.refresh_token, token.access_token),
            what="token (refresh_token)",
        )

    async def revoke(self, token: str | Token) -> None:
        request, value = self._revoke_request(token)
        proto.check_revoked(await self._send(request, "revoke"), self._secrets(value))

    async def userinfo(self, access_token: str | Token) -> dict[str, Any]:
        value = access_token.access_token if isinstance(access_token, Token) else access_token
        request = proto.bearer_get(self.environment.userinfo_endpoint, value)
        response = await self._send(request, "userinfo")
        return proto.parse_object(response, "userinfo", self._secrets(value))

    async def jwks(self, *, refresh: bool = False) -> dict[str, Any]:
        cached = None if refresh else self._jwks_fresh()
        if cached is not None:
            return cached
        response = await self._send(proto.plain_get(self.environment.jwks_uri), "jwks")
        return self._remember_jwks(proto.parse_object(response, "jwks"))

    async def verify_id_token(
        self, id_token: str, *, nonce: str | None = None, leeway: timedelta = DEFAULT_LEEWAY
    ) -> dict[str, Any]:
        try:
            return self._verify(id_token, await self.jwks(), nonce, leeway)
        except UnknownSigningKey:
            return self._verify(id_token, await self.jwks(refresh=True), nonce, leeway)

    async def discover(self) -> Environment:
        response = await self._send(proto.plain_get(self.environment.discovery_url), "discovery")
        return self._apply_discovery(proto.parse_object(response, "discovery"))
