"""Random credentials, their hashes, and constant-time comparison.

Every check of a secret the caller sends (client secret, password, CSRF token, cookie
signature) ends in :func:`same`, which is ``hmac.compare_digest``; tokens and codes are
looked up by their SHA-256, never by the value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import string
from functools import cache

#: Bytes of randomness in refresh tokens, codes and access tokens (256 bits).
TOKEN_BYTES = 32

_ALNUM = string.ascii_letters + string.digits

# scrypt cost: 2**14 x 8 x 1 (16 MiB, tens of milliseconds): slow enough for passwords,
# fast enough for tests.
_SCRYPT_N = 2**14
_SCRYPT_R = 8
_SCRYPT_P = 1


def same(a: str | bytes, b: str | bytes) -> bool:
    """Constant-time equality of two secrets (or their hashes)."""
    left = a.encode("utf-8", "surrogatepass") if isinstance(a, str) else a
    right = b.encode("utf-8", "surrogatepass") if isinstance(b, str) else b
    return hmac.compare_digest(left, right)


def new_token() -> str:
    """A bearer credential: 256 random bits, URL-safe."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def alnum(length: int) -> str:
    """Random letters and digits (client ids and secrets, as Intuit's look)."""
    return "".join(secrets.choice(_ALNUM) for _ in range(length))


def token_hash(value: str) -> str:
    """How a token, code or client secret is stored and looked up."""
    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def mac(key: bytes, purpose: str, value: str) -> bytes:
    """HMAC-SHA256 of ``value`` under ``key``, separated by ``purpose``."""
    return hmac.new(
        key, f"{purpose}\x00{value}".encode("utf-8", "surrogatepass"), "sha256"
    ).digest()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8", "surrogatepass"),
        salt=salt,
        n=_SCRYPT_N,
        r=_SCRYPT_R,
        p=_SCRYPT_P,
        dklen=32,
    )
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64url(salt)}${b64url(digest)}"


@cache
def dummy_password_hash() -> str:
    """Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password."""
    return hash_password(secrets.token_urlsafe(16))


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        computed = hashlib.scrypt(
            password.encode("utf-8", "surrogatepass"),
            salt=unb64url(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except ValueError:
        return False
    return same(computed, unb64url(digest))


def storable(value: object) -> bool:
    """Whether every string in a JSON-like value can be stored and compared in SQL.

    PostgreSQL refuses NUL characters in text and the driver cannot encode lone
    surrogates; input with either is refused up front rather than failing as a 500.
    """
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(k) and storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(storable(v) for v in value)
    return True
