"""Grants and their credentials: codes, access tokens and refresh tokens, per Intuit's rules.

A *grant* is one user's consent for one app on one company. It owns one authorization
code, the access tokens issued under it and its chain of refresh tokens; revoking it ends
all of them at once. Everything runs on the emulator clock.

Intuit's rules, and the choices where Intuit does not say:

- Access token: 3600 s. Refreshing does not end earlier access tokens (Intuit does not
  either); they expire on their own.
- Authorization code: once, within 10 minutes, by the app it was issued to, with the same
  redirect_uri. A second use gets invalid_grant *and revokes the grant* (RFC 6749 section
  4.1.2's advice: a replayed code suggests it leaked).
- Refresh token: valid 100 days from its last use (rolling), and never past the grant's
  hard limit of five years (5 x 365 days) from consent. Intuit's sample responses show
  ``x_refresh_token_expires_in: 8726400`` (101 days); we follow the documented rule, 100
  days (8,640,000 s).
- Rotation (Intuit's FAQ): a refresh within 24 hours of the refresh token's issue answers
  the same value; a later one answers a new value, and the previous value keeps working
  for 24 more hours, after which it gets invalid_grant.
- The successor of a refresh token is not random: it is HMAC(server key, previous value).
  Tokens are stored only as hashes, yet the server can answer a refresh made with the
  previous value (during its 24 hours of grace) with the *same* new value the first
  refresh returned. So two refreshes racing with one refresh token both succeed and both
  get the same refresh token, whichever comes first: the outcome is deterministic, and
  neither client is left holding a value that the other's refresh made obsolete. (The
  successor is as unguessable as a random token: an HMAC under a 256-bit secret key.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qbo.emulator.clock import Clock
from qbo.emulator.oauth import crypto, scopes
from qbo.emulator.oauth.errors import OAuthError, invalid_grant, unauthorized_client
from qbo.emulator.oauth.tables import OAuthTables
from qbo.emulator.store import Store
from qbo.emulator.timefmt import epoch_ms

DAY_MS = 86_400_000
ACCESS_TTL_MS = 3_600_000
CODE_TTL_MS = 600_000
REFRESH_TTL_MS = 100 * DAY_MS
HARD_TTL_MS = 5 * 365 * DAY_MS
ROTATE_AFTER_MS = DAY_MS
GRACE_MS = DAY_MS
#: Advisory-lock key serialising grant changes across processes sharing a database.
LOCK_KEY = "oauth:grants"
_MAX_CHAIN = 10_000


@dataclass(frozen=True)
class Grant:
    grant_id: str
    client_id: str
    user_id: str
    realm_id: str | None
    scopes: tuple[str, ...]
    nonce: str | None
    auth_time_ms: int
    created_ms: int
    hard_expires_ms: int
    revoked_ms: int | None

    @property
    def accounting(self) -> bool:
        return scopes.ACCOUNTING in self.scopes


@dataclass(frozen=True)
class TokenSet:
    """What a successful token request hands out (the endpoint adds the id_token)."""

    grant: Grant
    access_token: str = field(repr=False)
    refresh_token: str = field(repr=False)
    expires_in: int
    refresh_expires_in: int
    hard_expires_in: int
    issued_ms: int


class AccessDenied(Exception):
    """An access token that does not authenticate; ``reason`` is safe to show."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _grant(row: Any) -> Grant:
    return Grant(
        grant_id=row.grant_id,
        client_id=row.client_id,
        user_id=row.user_id,
        realm_id=row.realm_id,
        scopes=tuple(row.scopes.split()),
        nonce=row.nonce,
        auth_time_ms=int(row.auth_time_ms),
        created_ms=int(row.created_ms),
        hard_expires_ms=int(row.hard_expires_ms),
        revoked_ms=None if row.revoked_ms is None else int(row.revoked_ms),
    )


class Grants:
    def __init__(
        self, store: Store, tables: OAuthTables, clock: Clock, hmac_key: Callable[[], bytes]
    ) -> None:
        self.store = store
        self.t = tables
        self.clock = clock
        self._hmac_key = hmac_key

    def _now_ms(self) -> int:
        return epoch_ms(self.clock.now())

    def successor(self, refresh_token: str) -> str:
        """The value that replaces ``refresh_token`` when it rotates."""
        return crypto.b64url(crypto.mac(self._hmac_key(), "refresh-successor", refresh_token))

    # -- issuing --------------------------------------------------------------------------

    def issue_code(
        self,
        client_id: str,
        user_id: str,
        realm_id: str | None,
        granted: list[str],
        redirect_uri: str,
        nonce: str | None,
        auth_time: datetime,
    ) -> str:
        """A new grant and its authorization code."""
        now = self._now_ms()
        code = crypto.new_token()
        grant_id = uuid.uuid4().hex
        with self.store.write(LOCK_KEY) as conn:
            conn.execute(
                insert(self.t.grants),
                {
                    "grant_id": grant_id,
                    "client_id": client_id,
                    "user_id": user_id,
                    "realm_id": realm_id,
                    "scopes": " ".join(granted),
                    "nonce": nonce,
                    "auth_time_ms": epoch_ms(auth_time),
                    "created_ms": now,
                    "hard_expires_ms": now + HARD_TTL_MS,
                    "revoked_ms": None,
                },
            )
            conn.execute(
                insert(self.t.codes),
                {
                    "code_hash": crypto.token_hash(code),
                    "grant_id": grant_id,
                    "redirect_uri": redirect_uri,
                    "expires_ms": now + CODE_TTL_MS,
                    "used_ms": None,
                },
            )
        return code

    def _load_grant(self, conn: Connection, grant_id: str) -> Grant | None:
        row = conn.execute(
            select(self.t.grants).where(self.t.grants.c.grant_id == grant_id)
        ).first()
        return None if row is None else _grant(row)

    def _new_access(self, conn: Connection, grant: Grant, now: int) -> str:
        token = crypto.new_token()
        conn.execute(
            insert(self.t.access_tokens),
            {
                "token_hash": crypto.token_hash(token),
                "grant_id": grant.grant_id,
                "expires_ms": now + ACCESS_TTL_MS,
            },
        )
        return token

    def _token_set(
        self, grant: Grant, access: str, refresh: str, refresh_expires_ms: int, now: int
    ) -> TokenSet:
        return TokenSet(
            grant=grant,
            access_token=access,
            refresh_token=refresh,
            expires_in=ACCESS_TTL_MS // 1000,
            refresh_expires_in=max(0, (refresh_expires_ms - now) // 1000),
            hard_expires_in=max(0, (grant.hard_expires_ms - now) // 1000),
            issued_ms=now,
        )

    def exchange_code(self, client_id: str, code: str, redirect_uri: str) -> TokenSet:
        """Tokens for an authorization code (grant_type=authorization_code)."""
        with self.store.write(LOCK_KEY) as conn:
            issued = self._exchange(conn, client_id, code, redirect_uri)
        if issued is None:
            raise invalid_grant("The authorization code was already used")
        return issued

    def _exchange(
        self, conn: Connection, client_id: str, code: str, redirect_uri: str
    ) -> TokenSet | None:
        """The tokens, or None for a replayed code (whose grant is then revoked and committed)."""
        now = self._now_ms()
        codes = self.t.codes
        row = conn.execute(
            select(codes).where(codes.c.code_hash == crypto.token_hash(code))
        ).first()
        grant = None if row is None else self._load_grant(conn, row.grant_id)
        if row is None or grant is None or grant.client_id != client_id:
            raise invalid_grant("The authorization code is invalid or was issued to another client")
        if row.used_ms is not None:
            # A replayed code revokes what it granted (RFC 6749 section 4.1.2).
            self._revoke(conn, grant.grant_id, now)
            return None
        if now >= row.expires_ms:
            raise invalid_grant("The authorization code has expired")
        if grant.revoked_ms is not None:
            raise invalid_grant("The authorization was revoked")
        if not crypto.same(redirect_uri, row.redirect_uri):
            raise invalid_grant("redirect_uri does not match the one of the authorization request")
        conn.execute(update(codes).where(codes.c.code_hash == row.code_hash).values(used_ms=now))
        access = self._new_access(conn, grant, now)
        refresh = crypto.new_token()
        refresh_expires = min(now + REFRESH_TTL_MS, grant.hard_expires_ms)
        conn.execute(
            insert(self.t.refresh_tokens),
            {
                "token_hash": crypto.token_hash(refresh),
                "grant_id": grant.grant_id,
                "issued_ms": now,
                "expires_ms": refresh_expires,
                "superseded_ms": None,
            },
        )
        return self._token_set(grant, access, refresh, refresh_expires, now)

    def refresh(self, client_id: str, refresh_token: str) -> TokenSet:
        """New tokens for a refresh token (grant_type=refresh_token), rotating per Intuit."""
        rt = self.t.refresh_tokens
        with self.store.write(LOCK_KEY) as conn:
            now = self._now_ms()
            row = conn.execute(
                select(rt).where(rt.c.token_hash == crypto.token_hash(refresh_token))
            ).first()
            grant = None if row is None else self._load_grant(conn, row.grant_id)
            if row is None or grant is None or grant.client_id != client_id:
                raise invalid_grant("The refresh token is invalid or was issued to another client")
            if grant.revoked_ms is not None:
                raise invalid_grant("The refresh token was revoked")
            if now >= grant.hard_expires_ms:
                raise invalid_grant("The refresh token has reached its five-year maximum lifetime")
            if now >= row.expires_ms:
                raise invalid_grant("The refresh token has expired")
            value = refresh_token
            current = row
            if current.superseded_ms is not None:
                if now >= current.superseded_ms + GRACE_MS:
                    raise invalid_grant(
                        "The refresh token was replaced by a newer one more than 24 hours ago"
                    )
                for _ in range(_MAX_CHAIN):
                    value = self.successor(value)
                    following = conn.execute(
                        select(rt).where(rt.c.token_hash == crypto.token_hash(value))
                    ).first()
                    if following is None or following.grant_id != grant.grant_id:
                        raise invalid_grant("The refresh token is invalid")
                    current = following
                    if current.superseded_ms is None:
                        break
                else:
                    raise invalid_grant("The refresh token is invalid")
            if now - current.issued_ms >= ROTATE_AFTER_MS:
                conn.execute(
                    update(rt)
                    .where(rt.c.token_hash == current.token_hash)
                    .values(superseded_ms=now)
                )
                value = self.successor(value)
                conn.execute(
                    insert(rt),
                    {
                        "token_hash": crypto.token_hash(value),
                        "grant_id": grant.grant_id,
                        "issued_ms": now,
                        "expires_ms": min(now + REFRESH_TTL_MS, grant.hard_expires_ms),
                        "superseded_ms": None,
                    },
                )
            else:
                conn.execute(
                    update(rt)
                    .where(rt.c.token_hash == current.token_hash)
                    .values(expires_ms=min(now + REFRESH_TTL_MS, grant.hard_expires_ms))
                )
            refresh_expires = min(now + REFRESH_TTL_MS, grant.hard_expires_ms)
            access = self._new_access(conn, grant, now)
        return self._token_set(grant, access, value, refresh_expires, now)

    # -- revoking and checking ------------------------------------------------------------

    def _revoke(self, conn: Connection, grant_id: str, now: int) -> None:
        g = self.t.grants
        conn.execute(
            update(g)
            .where(g.c.grant_id == grant_id, g.c.revoked_ms.is_(None))
            .values(revoked_ms=now)
        )

    def revoke(self, client_id: str, token: str) -> bool:
        """End the grant of an access or refresh token; False when there is none to end.

        An unknown token is answered like a revoked one (RFC 7009 section 2.2). A token
        issued to another app is refused with ``unauthorized_client`` and changes nothing
        (section 2.1: the server checks the token was issued to the client revoking it).
        """
        digest = crypto.token_hash(token)
        with self.store.write(LOCK_KEY) as conn:
            grant_id = None
            for table in (self.t.refresh_tokens, self.t.access_tokens):
                grant_id = conn.execute(
                    select(table.c.grant_id).where(table.c.token_hash == digest)
                ).scalar()
                if grant_id is not None:
                    break
            grant = None if grant_id is None else self._load_grant(conn, grant_id)
            if grant is None:
                return False
            if grant.client_id != client_id:
                raise unauthorized_client("The token was not issued to this client")
            self._revoke(conn, grant.grant_id, self._now_ms())
            return True

    def check_access(self, token: str) -> Grant:
        """The live grant of an access token, else :class:`AccessDenied`."""
        at, g = self.t.access_tokens, self.t.grants
        with self.store.read() as conn:
            row = conn.execute(
                select(at.c.expires_ms, g)
                .join(g, g.c.grant_id == at.c.grant_id)
                .where(at.c.token_hash == crypto.token_hash(token))
            ).first()
        if row is None:
            raise AccessDenied("Token invalid")
        grant = _grant(row)
        if grant.revoked_ms is not None:
            raise AccessDenied("Token revoked")
        if self._now_ms() >= row.expires_ms:
            raise AccessDenied("Token expired")
        return grant

    def get(self, grant_id: str) -> Grant | None:
        with self.store.read() as conn:
            return self._load_grant(conn, grant_id)


__all__ = ["AccessDenied", "Grant", "Grants", "OAuthError", "TokenSet"]
