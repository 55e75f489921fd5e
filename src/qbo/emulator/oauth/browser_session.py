"""The consent page's session cookie: signed with the server's HMAC key, holding a CSRF token.

The cookie carries ``{"csrf", "uid"?, "auth"?, "exp"}`` as base64url JSON plus an HMAC of
it; nothing in it is secret from its holder, and a changed byte fails the signature check
(compared in constant time). It expires on the emulator clock. Every browser that reaches
the page gets one before it sees a form, so even the sign-in form has a CSRF token.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.oauth import crypto

COOKIE = "qbo_emulator_session"
LIFETIME_MS = 12 * 3_600_000
_PURPOSE = "consent-session"


@dataclass(frozen=True)
class BrowserSession:
    csrf: str
    expires_ms: int
    user_id: str | None = None
    auth_time_ms: int | None = None

    @classmethod
    def new(cls, now_ms: int) -> BrowserSession:
        return cls(csrf=secrets.token_urlsafe(32), expires_ms=now_ms + LIFETIME_MS)

    def signed_in(self, user_id: str, now_ms: int) -> BrowserSession:
        """A fresh session for a user who just signed in (new CSRF token: no fixation)."""
        return replace(BrowserSession.new(now_ms), user_id=user_id, auth_time_ms=now_ms)

    def encode(self, key: bytes) -> str:
        payload: dict[str, Any] = {"csrf": self.csrf, "exp": self.expires_ms}
        if self.user_id is not None:
            payload["uid"] = self.user_id
            payload["auth"] = self.auth_time_ms
        body = crypto.b64url(json.dumps(payload, separators=(",", ":")).encode())
        return f"{body}.{crypto.b64url(crypto.mac(key, _PURPOSE, body))}"

    @classmethod
    def decode(cls, value: str, key: bytes, now_ms: int) -> BrowserSession | None:
        """The session in a cookie value, or None when it is forged, damaged or expired."""
        body, dot, signature = value.partition(".")
        if not dot or len(value) > 4096:
            return None
        try:
            expected = crypto.b64url(crypto.mac(key, _PURPOSE, body))
            if not crypto.same(signature, expected):
                return None
            payload = json.loads(crypto.unb64url(body))
        except (ValueError, UnicodeError):
            return None
        if not isinstance(payload, dict):
            return None
        csrf, exp, uid, auth = (payload.get(k) for k in ("csrf", "exp", "uid", "auth"))
        if not isinstance(csrf, str) or not isinstance(exp, int) or exp <= now_ms:
            return None
        if uid is not None and (not isinstance(uid, str) or not isinstance(auth, int)):
            return None
        return cls(csrf, exp, uid, auth)


def read(request: Request, key: bytes, now_ms: int) -> BrowserSession | None:
    value = request.cookies.get(COOKIE)
    return None if value is None else BrowserSession.decode(value, key, now_ms)


def write(response: Response, session: BrowserSession, key: bytes) -> None:
    response.set_cookie(
        COOKIE,
        session.encode(key),
        max_age=LIFETIME_MS // 1000,
        path="/",
        httponly=True,
        samesite="lax",
    )
