"""The emulator's OAuth 2.0 / OpenID Connect server: apps, users, grants and keys together.

Each :class:`qbo.emulator.Emulator` owns one, made on first use (``emulator.oauth``):
that is when the default user is seeded and the keys are loaded or generated (the tables
exist from the moment the database was opened). It holds the emulator's parts, not the
emulator.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from qbo.emulator.clock import Clock
from qbo.emulator.oauth import scopes
from qbo.emulator.oauth.apps import Apps
from qbo.emulator.oauth.grants import ACCESS_TTL_MS, Grant, Grants, TokenSet
from qbo.emulator.oauth.keys import ServerKeys, load_or_create
from qbo.emulator.oauth.stats import Stats
from qbo.emulator.oauth.tables import define as define_tables
from qbo.emulator.oauth.users import DEFAULT_EMAIL, DEFAULT_PASSWORD, Users
from qbo.emulator.realms import Realms
from qbo.emulator.store import Store

#: Where Intuit serves each endpoint; the emulator serves them at the same paths.
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/v2/oauth2/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
JWKS_PATH = "/op/v1/jwks"
ISSUER_PATH = "/op/v1"


class OAuthServer:
    def __init__(self, store: Store, clock: Clock, realms: Realms, stats: Stats) -> None:
        self.store = store
        self.clock = clock
        self.realms = realms
        self.stats = stats
        self.tables = define_tables(store.tables.metadata)  # created when the store opened
        self.apps = Apps(store, self.tables, clock)
        self.users = Users(store, self.tables, clock)
        self.users.ensure_default()
        self._keys: ServerKeys | None = None
        self._keys_lock = threading.Lock()
        self.grants = Grants(store, self.tables, clock, lambda: self.keys.hmac_key)

    @property
    def keys(self) -> ServerKeys:
        """The signing and HMAC keys (loaded, or generated, on first use)."""
        if self._keys is None:
            with self._keys_lock:
                if self._keys is None:
                    self._keys = load_or_create(self.store, self.tables, self.clock)
        return self._keys

    def id_token(self, issued: TokenSet, issuer: str) -> str:
        """The RS256 id_token of a grant with the openid scope."""
        grant = issued.grant
        iat = issued.issued_ms // 1000
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": [grant.client_id],
            "sub": grant.user_id,
            "iat": iat,
            "exp": iat + ACCESS_TTL_MS // 1000,
            "auth_time": grant.auth_time_ms // 1000,
        }
        if grant.realm_id is not None:
            claims["realmid"] = grant.realm_id
        if grant.nonce:
            claims["nonce"] = grant.nonce
        user = self.users.get(grant.user_id)
        if user is not None and "email" in grant.scopes:
            claims["email"] = user.email
            claims["email_verified"] = True
        return self.keys.sign(claims)

    def userinfo(self, grant: Grant) -> dict[str, Any]:
        """Intuit's userinfo fields, as far as the grant's scopes allow."""
        user = self.users.get(grant.user_id)
        body: dict[str, Any] = {"sub": grant.user_id}
        if user is None:
            return body
        granted = set(grant.scopes)
        if "email" in granted:
            body["email"] = user.email
            body["emailVerified"] = True
        if "profile" in granted:
            body["givenName"] = user.given_name
            body["familyName"] = user.family_name
        if "phone" in granted and user.phone_number:
            body["phoneNumber"] = user.phone_number
            body["phoneNumberVerified"] = False
        if "address" in granted:
            # No addresses are kept for users; Intuit sends an empty object when none is set.
            body["address"] = {}
        return body


class HasOAuth(Protocol):
    """An emulator (``qbo.emulator.core.Emulator`` owns its OAuth server)."""

    @property
    def oauth(self) -> OAuthServer: ...


def oauth_for(emulator: HasOAuth) -> OAuthServer:
    """The OAuth server of this emulator (made, with its tables, on first use)."""
    return emulator.oauth


def startup_message(server: OAuthServer) -> str:
    """The line ``qbo emulator serve`` logs at start: how to sign in and register an app.

    The default user's password is a documented development credential, not a secret.
    """
    user = server.users.get_by_email(DEFAULT_EMAIL)
    who = (
        f"sign in on the consent page as {DEFAULT_EMAIL} / password {DEFAULT_PASSWORD}"
        if user is not None
        else "sign in with a user added by POST /_emulator/users"
    )
    return (
        f"OAuth: {who}; register an app with POST /_emulator/apps or "
        "`qbo emulator apps create`; discovery at /.well-known/openid_configuration"
    )


__all__ = ["OAuthServer", "oauth_for", "scopes"]
