"""The server's own keys: an RSA key that signs id_tokens and an HMAC key.

Both are generated the first time a database is used and kept in ``oauth_secrets``, so a
restarted emulator keeps validating the id_tokens and sessions it issued before. The HMAC
key signs consent-page session cookies and derives a rotated refresh token's successor
(see ``grants.py``).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import insert, select

from qbo.emulator.clock import Clock
from qbo.emulator.oauth.crypto import b64url, unb64url
from qbo.emulator.oauth.tables import OAuthTables
from qbo.emulator.store import Store
from qbo.emulator.timefmt import epoch_ms

RSA_NAME = "rsa_private_key"
HMAC_NAME = "hmac_key"
#: Advisory-lock key under which secrets are created, so two processes sharing a
#: PostgreSQL database agree on one key.
LOCK_KEY = "oauth:secrets"


@dataclass(frozen=True)
class ServerKeys:
    private_key: rsa.RSAPrivateKey = field(repr=False)
    kid: str
    hmac_key: bytes = field(repr=False)

    def jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(self.private_key.public_key()))
        jwk.update({"kid": self.kid, "use": "sig", "alg": "RS256"})
        return jwk

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.jwk()]}

    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.private_key, algorithm="RS256", headers={"kid": self.kid})


def _kid(key: rsa.RSAPrivateKey) -> str:
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return hashlib.sha256(der).hexdigest()[:16]


def load_or_create(store: Store, tables: OAuthTables, clock: Clock) -> ServerKeys:
    """The database's keys, made on first use."""
    t = tables.secrets
    with store.write(LOCK_KEY) as conn:
        found = conn.execute(
            select(t.c.name, t.c.value).where(t.c.name.in_([RSA_NAME, HMAC_NAME]))
        ).all()
        rows: dict[str, str] = {str(name): str(value) for name, value in found}
        now = epoch_ms(clock.now())
        if RSA_NAME not in rows:
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
            pem = key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ).decode()
            conn.execute(insert(t), {"name": RSA_NAME, "value": pem, "created_ms": now})
            rows[RSA_NAME] = pem
        if HMAC_NAME not in rows:
            value = b64url(secrets.token_bytes(32))
            conn.execute(insert(t), {"name": HMAC_NAME, "value": value, "created_ms": now})
            rows[HMAC_NAME] = value
    private = serialization.load_pem_private_key(rows[RSA_NAME].encode(), password=None)
    if not isinstance(private, rsa.RSAPrivateKey):
        raise TypeError("oauth_secrets holds a key that is not RSA")
    return ServerKeys(private, _kid(private), unb64url(rows[HMAC_NAME]))
