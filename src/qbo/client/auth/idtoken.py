"""Checking an OpenID Connect id_token: RS256 signature by the JWKS, iss, aud, exp, iat.

PyJWT checks the signature, issuer and audience. The time claims are checked here
against an injected clock instead of PyJWT's wall clock, so a client that follows the
emulator's movable clock verifies the emulator's tokens, and tests need no sleeping.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, TypeGuard

import jwt

from qbo.client.errors import AuthenticationError

ALGORITHMS = ["RS256"]
REQUIRED_CLAIMS = ["iss", "aud", "sub", "exp", "iat"]
DEFAULT_LEEWAY = timedelta(minutes=5)


class IdTokenError(AuthenticationError):
    """The id_token is malformed, forged, expired, or meant for another app or issuer."""


class UnknownSigningKey(IdTokenError):
    """The JWKS has no key with the token's ``kid`` (the keys may have rotated)."""


def _signing_key(id_token: str, jwks: Mapping[str, Any]) -> Any:
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise IdTokenError("id_token: not a JWT") from None
    if header.get("alg") not in ALGORITHMS:
        raise IdTokenError("id_token: the signing algorithm is not RS256")
    try:
        key_set = jwt.PyJWKSet.from_dict(dict(jwks))
    except jwt.PyJWTError:
        raise IdTokenError("id_token: the JWKS holds no usable key") from None
    kid = header.get("kid")
    candidates = [k for k in key_set.keys if kid is None or k.key_id == kid]
    if kid is None and len(candidates) != 1:
        raise IdTokenError("id_token: no kid, and the JWKS has more than one key")
    if not candidates:
        raise UnknownSigningKey("id_token: the JWKS has no key with the token's kid")
    return candidates[0].key


def verify_id_token(
    id_token: str,
    jwks: Mapping[str, Any],
    *,
    issuer: str,
    client_id: str,
    now: datetime,
    nonce: str | None = None,
    leeway: timedelta = DEFAULT_LEEWAY,
) -> dict[str, Any]:
    """The id_token's claims after every check passed; :class:`IdTokenError` otherwise."""
    key = _signing_key(id_token, jwks)
    try:
        claims: dict[str, Any] = jwt.decode(
            id_token,
            key=key,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=issuer,
            options={
                "require": REQUIRED_CLAIMS,
                "verify_exp": False,
                "verify_iat": False,
                "verify_nbf": False,
            },
        )
    except jwt.PyJWTError as exc:
        # PyJWT's messages name the failed check ("Invalid issuer"), never the token.
        raise IdTokenError(f"id_token: {exc}") from None
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_time(exp) or not _is_time(iat):
        raise IdTokenError("id_token: exp and iat must be numbers")
    stamp = now.timestamp()
    margin = leeway.total_seconds()
    if stamp >= float(exp) + margin:
        raise IdTokenError("id_token: expired")
    if float(iat) > stamp + margin:
        raise IdTokenError("id_token: issued in the future (iat)")
    if nonce is not None:
        got = claims.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode(), nonce.encode()):
            raise IdTokenError("id_token: the nonce does not match the authorization request")
    return claims


def _is_time(value: Any) -> TypeGuard[int | float]:
    return isinstance(value, int | float) and not isinstance(value, bool)
