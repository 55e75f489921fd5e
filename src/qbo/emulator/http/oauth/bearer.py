"""Bearer tokens on /v3 requests, answered the way Intuit's gateway answers.

Missing, malformed, unknown, expired or revoked: 401 with the gateway's fault body (code
3200) and ``www-authenticate: Bearer realm="Intuit", error="invalid_token"``. A live token
for another company, or without the accounting scope: 403 with code 3100. The detail says
what was wrong and never repeats the token.
"""

from __future__ import annotations

import re

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from qbo.emulator.core import Emulator
from qbo.emulator.http.responses import gateway_response
from qbo.emulator.oauth.grants import AccessDenied, Grant
from qbo.emulator.oauth.server import oauth_for
from qbo.emulator.store.session import Realm
from qbo.schema.faults import FaultCode

CHALLENGE = {"www-authenticate": 'Bearer realm="Intuit", error="invalid_token"'}
#: What a token we issue can look like (base64url), with room for other clients' formats.
_TOKEN = re.compile(r"^[A-Za-z0-9._~+/=-]{1,4096}$")


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, or None when absent or malformed."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.match(token):
        return None
    return token


async def check_api_request(request: Request, emulator: Emulator, realm: Realm) -> Response | None:
    """None when the bearer token may use this realm's API, else the gateway's refusal."""
    now = emulator.clock.now()
    token = bearer_token(request)
    if token is None:
        detail = (
            "Token invalid: the Authorization header is not a Bearer token"
            if request.headers.get("authorization")
            else "Token missing: send Authorization: Bearer <access token>"
        )
        return gateway_response(FaultCode.NOT_AUTHENTICATED, detail, now, CHALLENGE)

    def check() -> Grant:
        return oauth_for(emulator).grants.check_access(token)

    try:
        # A lookup by primary key: cheaper here than a hand-off to a thread, unless the
        # database's one connection is shared and the lookup may wait for a long write.
        grant = await run_in_threadpool(check) if emulator.store.shared_connection else check()
    except AccessDenied as exc:
        return gateway_response(
            FaultCode.NOT_AUTHENTICATED, exc.reason, emulator.clock.now(), CHALLENGE
        )
    if grant.realm_id != realm.realm_id or not grant.accounting:
        return gateway_response(
            FaultCode.NOT_AUTHORIZED,
            f"The token is not authorized for company {realm.realm_id}",
            emulator.clock.now(),
        )
    return None
