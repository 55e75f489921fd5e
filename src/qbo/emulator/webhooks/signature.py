"""The ``intuit-signature`` header: base64(HMAC-SHA256(key=verifier token, msg=raw body)).

The receiver recomputes it over the exact bytes it received, so the emulator signs the
bytes it stores and sends, never a re-serialisation.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

HEADER = "intuit-signature"


def sign(verifier_token: str, body: bytes) -> str:
    digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(verifier_token: str, body: bytes, signature: str) -> bool:
    """Whether ``signature`` is the body's signature (compared in constant time)."""
    return hmac.compare_digest(sign(verifier_token, body).encode(), signature.strip().encode())
