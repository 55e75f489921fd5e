"""OAuth 2.0 for QuickBooks Online: connecting an app, token stores, and refreshing auth.

- ``oauth``: :class:`OAuthClient` / :class:`AsyncOAuthClient` (authorization URL, code
  exchange, refresh, revoke, userinfo, id_token check, discovery);
- ``stores``: memory, encrypted file and SQL token stores with a cross-process lock;
- ``refreshing``: :class:`RefreshingAuth`, the httpx auth that refreshes single-flight;
- :func:`build_auth`: what ``qbo.Client`` calls to turn its arguments into an httpx auth.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from qbo.client._static_auth import BearerAuth
from qbo.client.auth.idtoken import IdTokenError
from qbo.client.auth.oauth import (
    ACCOUNTING,
    ADDRESS,
    EMAIL,
    OPENID,
    PAYMENT,
    PHONE,
    PROFILE,
    AsyncOAuthClient,
    AuthorizationRequest,
    AuthorizationResponse,
    OAuthClient,
    check_state,
    new_state,
    parse_redirect,
)
from qbo.client.auth.refreshing import RefreshingAuth
from qbo.client.auth.stores import (
    EncryptedFileTokenStore,
    LockedTokens,
    MemoryTokenStore,
    TokenStore,
    TokenStoreError,
    generate_key,
)
from qbo.client.auth.tokens import ClientCredentials, Token
from qbo.client.environment import Environment

if TYPE_CHECKING:
    from qbo.client.auth.stores import SQLTokenStore


def __getattr__(name: str) -> Any:
    # The SQL store (and SQLAlchemy) load on first use: file and memory stores need neither.
    if name == "SQLTokenStore":
        from qbo.client.auth._sql_store import SQLTokenStore

        return SQLTokenStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def build_auth(
    environment: Environment,
    *,
    credentials: ClientCredentials | None,
    token_store: TokenStore | None,
    access_token: str | None,
    http_timeout: float = 30.0,
) -> httpx.Auth | None:
    """The httpx auth for a client's arguments.

    - nothing configured: None (the emulator's ``--auth none`` needs no token);
    - ``access_token``: that bearer token as is (no refreshing);
    - ``credentials`` and ``token_store``: :class:`RefreshingAuth`.
    """
    if access_token is not None:
        if credentials is not None or token_store is not None:
            raise ValueError(
                "give either access_token, or credentials with a token_store, not both"
            )
        return BearerAuth(access_token)
    if credentials is None and token_store is None:
        return None
    if credentials is None or token_store is None:
        raise ValueError(
            "refreshing tokens needs both credentials (client id and secret) and a token_store"
        )
    oauth = OAuthClient(environment, credentials, timeout=http_timeout)
    return RefreshingAuth(oauth, token_store)


__all__ = [
    "ACCOUNTING",
    "ADDRESS",
    "EMAIL",
    "OPENID",
    "PAYMENT",
    "PHONE",
    "PROFILE",
    "AsyncOAuthClient",
    "AuthorizationRequest",
    "AuthorizationResponse",
    "BearerAuth",
    "ClientCredentials",
    "EncryptedFileTokenStore",
    "IdTokenError",
    "LockedTokens",
    "MemoryTokenStore",
    "OAuthClient",
    "RefreshingAuth",
    "SQLTokenStore",
    "Token",
    "TokenStore",
    "TokenStoreError",
    "build_auth",
    "check_state",
    "generate_key",
    "new_state",
    "parse_redirect",
]
